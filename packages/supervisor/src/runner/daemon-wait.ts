// A forking daemon: its launcher exits once it has forked, and the daemon's
// pid comes from pid_file. Only a process that started after the launcher,
// as the spec's user, is believed.
import type { Proc } from '@diprocd/procspec/runtime';
import { signalGroup } from '../os/signals.js';
import { targetFromPidFile, type Target } from '../os/target.js';
import type { ProcessCore } from './process-core.js';
import { FAST_POLL_MS, type Run } from './run.js';
import { watchTarget } from './run-start.js';

/** The daemon the pid file names, if it is one of this run's. */
export function daemonTarget(run: Run, spec: Proc): Target | undefined {
  return targetFromPidFile(spec.pid_file!, { startedSince: run.launcherStart ?? undefined, uid: run.uid });
}

/**
 * Looks at the pid file now and every FAST_POLL_MS: `spawned` once it names
 * the daemon, or `exit` (its launcher's group killed) when the time is up.
 */
export function awaitDaemon(proc: ProcessCore): void {
  const run = proc.run!;
  const { clock, daemonPidTimeoutMs } = proc.host;
  const deadline = clock.now() + daemonPidTimeoutMs;
  const check = () => {
    const target = daemonTarget(run, proc.spec);
    if (target) {
      run.target = target;
      watchTarget(proc, run);
      proc.fire('spawned');
    } else if (clock.now() >= deadline) {
      run.failure = `daemon did not write a live pid to ${proc.spec.pid_file} within ${daemonPidTimeoutMs} ms`;
      const launcher = run.launcherPgid;
      if (launcher !== null) run.signal(() => signalGroup(launcher, 'SIGKILL'));
      proc.fire('exit');
    } else {
      run.setTimer('daemon', check, FAST_POLL_MS);
    }
  };
  check();
}
