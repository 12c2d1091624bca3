// Signals to a whole process group, where a process that is already gone
// is not an error.
import { SupervisorError } from '../errors.js';
import { groupHasLiveMember } from './process-table.js';
import { readProcStat } from './proc-stat.js';

let ownGroup: number | undefined;

/** Sends `signal` to every process of group `pgid`; false when the group is empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // Never -1 (everyone), -0 or our own group (that would signal the supervisor).
  ownGroup ??= readProcStat(process.pid)?.pgid;
  if (!(pgid > 1) || pgid === ownGroup) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    throw new SupervisorError('DPD_SIGNAL_FAILED', `cannot send ${signal} to process group ${pgid}: ${code}`, {
      cause: error,
    });
  }
}

/** True while a process of the group lives (zombies do not count). */
export const groupAlive = (pgid: number): boolean => signalGroup(pgid, 0) && groupHasLiveMember(pgid);

/** Sends `signal` to one pid; false when it is gone. */
export function signalPid(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw new SupervisorError(
      'DPD_SIGNAL_FAILED',
      `cannot send ${signal} to pid ${pid}: ${(error as NodeJS.ErrnoException).code}`,
      { cause: error },
    );
  }
}
