// The end of a run: how it ended is recorded (lastExit, proc.exit with the
// reason and the last lines of its log, its pid file removed), what is left
// of a group it led is cleared, and it is dropped.
import type { Proc } from '@diprocd/procspec/runtime';
import { exitWords, type ExitStatus } from '../events.js';
import { removePidFile } from '../os/atomic-file.js';
import { signalGroup } from '../os/signals.js';
import type { ProcessCore } from './process-core.js';
import type { Run } from './run.js';

/** How a run ended, in words. */
export function exitReason(run: Run, spec: Proc): string {
  if (run.failure) return run.failure;
  const how =
    exitWords(run.exit?.code ?? null, run.exit?.signal ?? null) ??
    'ended (not the supervisor’s child: its exit code is not known)';
  if (run.timeout.timedOut) return `${how} after running past its timeout of ${spec.timeout} ms`;
  return run.stop ? `stopped: ${how}` : how;
}

export function endRun(proc: ProcessCore, run: Run): { status: ExitStatus; runMs: number } {
  const { spec, host } = proc;
  const target = run.target;
  // What ran: the program, or a forking daemon's launcher when no daemon was found.
  const pid = target?.pid ?? run.launcherPid;
  const status = run.status(exitReason(run, spec), pid === null ? [] : proc.logs.tail(spec, run.uid));
  // Through our relay, the last lines may still be on their way to the file: the relay tells them, and this
  // process's events from proc.exit on wait for its answer (a moment), so that proc.exit and lastExit carry them.
  const asked = pid === null ? null : proc.logs.askTail();
  if (asked) proc.holdEvents(asked.then((lines) => lines && toldLater(proc, status, lines)));
  const runMs = host.clock.now() - run.startedAt;
  proc.lastExit = status;
  if (pid !== null) host.emit('proc.exit', { name: proc.name, pid, runMs, ...status });
  if (target && spec.write_pid && spec.pid_file !== null) {
    try {
      removePidFile(spec.pid_file, target.pid, run.uid);
    } catch (error) {
      proc.report('DPD_SPAWN_FAILED', error, `cannot remove pid_file ${spec.pid_file}`);
    }
  }
  // What is left of a group that ended unasked is orphaned; clear it so
  // the next run starts clean. (Only a group the program led; a daemon's
  // group is its own business.) Not when it is known empty: the signal
  // would cost the restart a failed kill().
  const pgid = target?.pgid;
  if (!spec.daemon && pgid && !run.groupEmpty) run.signal(() => signalGroup(pgid, 'SIGKILL'));
  run.close();
  if (proc.run === run) proc.run = null;
  return { status, runMs };
}

/**
 * The relay's answer: the exit's lines, and the state record written again when it holds this exit (the next run's,
 * recorded before the answer came), so that an adopting supervisor's LAST EXIT has them too.
 */
function toldLater(proc: ProcessCore, status: ExitStatus, lines: string[]): void {
  status.tail.splice(0, status.tail.length, ...lines);
  const record = proc.host.store.get(proc.name);
  if (record?.lastExit === status) proc.host.store.set(proc.name, { ...record });
}
