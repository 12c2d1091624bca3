// A forking daemon: its launcher exits once it has forked, and the daemon's
// pid comes from pid_file. Only a process that started after the launcher,
// as the spec's user, is believed.
import type { Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import { signalGroup } from '../os/signals.js';
import { targetFromPidFile, type Target } from '../os/target.js';
import type { Run } from './run.js';
import { FAST_POLL_MS } from './stop-escalation.js';

export interface DaemonHost {
  readonly spec: Proc;
  readonly clock: Clock;
  readonly daemonPidTimeoutMs: number;
  /** The pid file names the daemon: `run.target` is set. */
  found(run: Run): void;
  /** No live pid in time: the launcher's group is killed, `run.failure` says why. */
  late(run: Run): void;
}

/** The daemon the pid file names, if it is one of this run's. */
export function daemonTarget(run: Run, spec: Proc): Target | undefined {
  return targetFromPidFile(spec.pid_file!, { startedSince: run.launcherStart ?? undefined, uid: run.uid });
}

/** Looks at the pid file now and every FAST_POLL_MS until it names the daemon or the time is up. */
export function awaitDaemon(run: Run, host: DaemonHost): void {
  const deadline = host.clock.now() + host.daemonPidTimeoutMs;
  const check = () => {
    const target = daemonTarget(run, host.spec);
    if (target) {
      run.target = target;
      host.found(run);
    } else if (host.clock.now() >= deadline) {
      run.failure = `daemon did not write a live pid to ${host.spec.pid_file} within ${host.daemonPidTimeoutMs} ms`;
      const launcher = run.launcherPgid;
      if (launcher !== null) run.signal(() => signalGroup(launcher, 'SIGKILL'));
      host.late(run);
    } else {
      run.setTimer('daemon', check, FAST_POLL_MS);
    }
  };
  check();
}
