// Stopping a run: the stop signal to its group, SIGKILL at the deadline,
// and a look (on every exit event, or polled) until the program and the rest
// of its group are gone. A process that outlives even SIGKILL is reported
// and no longer watched.
import type { Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import { isAlive } from '../os/proc-stat.js';
import { groupAlive } from '../os/signals.js';
import type { Target } from '../os/target.js';
import type { Run } from './run.js';

// How often a stopping process is checked when its exit sends no event.
export const FAST_POLL_MS = 20;
// How long a process that ignored SIGKILL (stuck in the kernel) is waited for.
const KILL_GRACE_MS = 5_000;

export interface StopHost {
  readonly spec: Proc;
  readonly clock: Clock;
  /** A forking daemon's program, once its pid file names it. */
  daemonTarget(run: Run): Target | undefined;
  /** It still runs KILL_GRACE_MS after SIGKILL; `reason` says so. */
  stuck(reason: string): void;
  /** The run and its group are gone (or given up on). */
  done(run: Run): void;
}

/** Sends the stop signal (with SIGCONT to a paused run) and starts looking. */
export function beginStop(run: Run, host: StopHost, paused: boolean): void {
  run.clearTimer('timeout');
  run.clearTimer('daemon');
  run.send(host.spec.stop_signal);
  if (paused) run.send('SIGCONT'); // a stopped process cannot act on the stop signal
  run.stop = { killAt: host.clock.now() + host.spec.stop_timeout, killed: false };
  checkStop(run, host);
}

/** Asked to stop while it was being started: what was sent to nothing is sent now. */
export function stopSpawned(run: Run, host: StopHost): void {
  run.send(run.stop?.killed ? 'SIGKILL' : host.spec.stop_signal);
  checkStop(run, host);
}

/**
 * One look at a stopping run: done when the program and the rest of its
 * group are gone; SIGKILL at the deadline; given up on (reported) if even
 * that does not end it. Our own child's exit event calls this at once, so
 * only processes that are not our children are polled, and the group is
 * looked at only once its leader is gone.
 */
export function checkStop(run: Run, host: StopHost): void {
  const stop = run.stop!;
  const { spec, clock } = host;
  const now = clock.now();
  // A daemon stopped before its pid was known may have written it since.
  if (spec.daemon && run.target === null && run.child === null) {
    run.target = host.daemonTarget(run) ?? null;
    if (run.target) run.send(stop.killed ? 'SIGKILL' : spec.stop_signal);
  }
  if (!stop.killed && now >= stop.killAt) {
    stop.killed = true;
    run.send('SIGKILL');
  }
  if (now >= stop.killAt + KILL_GRACE_MS) {
    host.stuck(`still running ${KILL_GRACE_MS} ms after SIGKILL (stuck in the kernel?); no longer watched`);
    return finish(run, host);
  }
  const target = run.target;
  // A daemon whose pid is still unknown is looked for until the deadline.
  const awaitingPid = spec.daemon && target === null && now < stop.killAt;
  // Our own program's exit was seen (run.exit): it is gone, and the
  // spawner may have seen its group empty, which then stays empty.
  const ownExit = !spec.daemon && run.exit !== null;
  const leaderGone = run.child === null && !awaitingPid && (target === null || ownExit || !isAlive(target.pid, target.startTime));
  if (leaderGone) {
    const group = target?.pgid ?? run.launcherPgid;
    if (group === null || (ownExit && run.groupEmpty) || !run.signal(() => groupAlive(group))) return finish(run, host);
  }
  // Our own child, still running: its exit event ends the wait; until then
  // only the deadlines matter. Anything else is looked at often.
  const deadline = stop.killed ? stop.killAt + KILL_GRACE_MS : stop.killAt;
  const next = run.child !== null && !leaderGone ? Math.max(1, deadline - now) : FAST_POLL_MS;
  run.setTimer('stop', () => checkStop(run, host), next);
}

function finish(run: Run, host: StopHost): void {
  run.groupEmpty = true; // nothing of it is left to clear
  host.done(run);
}
