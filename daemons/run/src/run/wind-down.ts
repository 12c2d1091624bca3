// dpd-run's end: stop the command, let the log command drain, remove what
// dpd-run wrote.
import { rmSync } from 'node:fs';
import { removePidFile } from '@diprocd/supervisor/host';
import type { RunArgs } from './options.js';
import type { StatusFile } from './status-file.js';
import type { Supervised } from './supervise.js';

// How long the log command has to drain its input after the command's end.
const LOG_DRAIN_MS = 5_000;

/**
 * Stops the command (and waits for it), then the log command; closes the status file, removes the state directory and
 * the pid file.
 */
export async function windDown(
  args: RunArgs,
  { supervisor, stateDir, logPid, logGone }: Supervised,
  status: StatusFile,
): Promise<void> {
  const running = supervisor.status()[0]?.pid;
  if (running) status.write(`cmd stop ${running}`);
  await supervisor.close({ stopProcesses: true });
  const pid = logPid();
  if (pid !== null) await drainLogCommand(pid, logGone, status);
  status.close();
  rmSync(stateDir, { recursive: true, force: true });
  if (args.pidFile !== null) removePidFile(args.pidFile, process.pid);
}

/**
 * The log command has its input closed now: let it write what it still
 * holds, then stop it (SIGTERM to its group, and SIGKILL if it ignores that too).
 */
async function drainLogCommand(pid: number, gone: Promise<void>, status: StatusFile): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // gone meanwhile
    }
  };
  const term = setTimeout(() => {
    status.write(`log stop ${pid}`);
    signalGroup('SIGTERM');
  }, LOG_DRAIN_MS);
  const kill = setTimeout(() => signalGroup('SIGKILL'), 2 * LOG_DRAIN_MS);
  await gone;
  clearTimeout(term);
  clearTimeout(kill);
}
