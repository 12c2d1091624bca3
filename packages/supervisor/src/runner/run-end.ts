// The end of a run: how it ended is recorded (lastExit, proc.exit, its pid
// file removed), what is left of a group it led is cleared, and it is dropped.
import type { ExitStatus } from '../events.js';
import { removePidFile } from '../os/atomic-file.js';
import { signalGroup } from '../os/signals.js';
import type { ProcessCore } from './process-core.js';
import type { Run } from './run.js';

export function endRun(proc: ProcessCore, run: Run): { status: ExitStatus; runMs: number } {
  const { spec, host } = proc;
  const status = run.status();
  const runMs = host.clock.now() - run.startedAt;
  proc.lastExit = status;
  const target = run.target;
  if (target) {
    host.emit('proc.exit', { name: proc.name, pid: target.pid, runMs, ...status });
    if (spec.write_pid && spec.pid_file !== null) {
      try {
        removePidFile(spec.pid_file, target.pid, run.uid);
      } catch (error) {
        proc.report('DPD_SPAWN_FAILED', error, `cannot remove pid_file ${spec.pid_file}`);
      }
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
