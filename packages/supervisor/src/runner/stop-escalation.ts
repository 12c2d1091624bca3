// Stopping a run: the stop signal to its group, SIGKILL at the deadline,
// and a look (on every exit event, or polled) until the program and the rest
// of its group are gone; then `stop-done`. A process that outlives even
// SIGKILL is reported and no longer watched.
import { isAlive } from '../os/proc-stat.js';
import { groupAlive } from '../os/signals.js';
import { daemonTarget } from './daemon-wait.js';
import type { ProcessCore } from './process-core.js';
import { FAST_POLL_MS, type Run } from './run.js';
import { endRun } from './run-end.js';

// How long a process that ignored SIGKILL (stuck in the kernel) is waited for.
const KILL_GRACE_MS = 5_000;

/** Sends the stop signal (with SIGCONT to a paused run) and starts looking. */
export function beginStop(proc: ProcessCore, paused: boolean): void {
  const run = proc.run!;
  run.clearTimer('timeout');
  run.clearTimer('daemon');
  run.send(proc.spec.stop_signal);
  if (paused) run.send('SIGCONT'); // a stopped process cannot act on the stop signal
  run.stop = { killAt: proc.host.clock.now() + proc.spec.stop_timeout, killed: false };
  checkStop(proc);
}

/** Asked to stop while it was being started: what was sent to nothing is sent now. */
export function stopSpawned(proc: ProcessCore): void {
  proc.run!.send(proc.run!.stop!.killed ? 'SIGKILL' : proc.spec.stop_signal);
  checkStop(proc);
}

/**
 * One look at a stopping run: done when the program and the rest of its
 * group are gone; SIGKILL at the deadline; given up on (reported) if even
 * that does not end it. Our own child's exit event calls this at once, so
 * only processes that are not our children are polled, and the group is
 * looked at only once its leader is gone.
 */
export function checkStop(proc: ProcessCore): void {
  const run = proc.run!;
  const stop = run.stop!;
  const spec = proc.spec;
  const now = proc.host.clock.now();
  // A daemon stopped before its pid was known may have written it since.
  if (spec.daemon && run.target === null && run.child === null) {
    run.target = daemonTarget(run, spec) ?? null;
    if (run.target) run.send(stop.killed ? 'SIGKILL' : spec.stop_signal);
  }
  if (!stop.killed && now >= stop.killAt) {
    stop.killed = true;
    run.send('SIGKILL');
  }
  if (now >= stop.killAt + KILL_GRACE_MS) {
    proc.reason = `still running ${KILL_GRACE_MS} ms after SIGKILL (stuck in the kernel?); no longer watched`;
    proc.report('DPD_SIGNAL_FAILED', new Error(proc.reason));
    return finish(proc, run);
  }
  const target = run.target;
  // A daemon whose pid is still unknown is looked for until the deadline.
  const awaitingPid = spec.daemon && target === null && now < stop.killAt;
  // Our own program's exit was seen (run.exit): it is gone, and the
  // spawner may have seen its group empty, which then stays empty.
  const ownExit = !spec.daemon && run.exit !== null;
  const leaderGone =
    run.child === null && !awaitingPid && (target === null || ownExit || !isAlive(target.pid, target.startTime));
  if (leaderGone) {
    const group = target?.pgid ?? run.launcherPgid;
    if (group === null || (ownExit && run.groupEmpty) || !run.signal(() => groupAlive(group))) return finish(proc, run);
  }
  // Our own child, still running: its exit event ends the wait; until then
  // only the deadlines matter. Anything else is looked at often.
  const deadline = stop.killed ? stop.killAt + KILL_GRACE_MS : stop.killAt;
  const next = run.child !== null && !leaderGone ? Math.max(1, deadline - now) : FAST_POLL_MS;
  run.setTimer('stop', () => checkStop(proc), next);
}

function finish(proc: ProcessCore, run: Run): void {
  run.groupEmpty = true; // nothing of it is left to clear
  proc.ended = endRun(proc, run);
  proc.fire('stop-done');
}
