// Starting a run: the exec plan, the log outputs, the spawner; and what the
// spawner tells later (spawned, failed, exited, lost), as events. A callback
// whose run is no longer the process's run is stale and does nothing. A
// start that fails for a reason the machine lifts (EMFILE, EAGAIN…) is tried
// again after the backoff; the restart policy tells which.
import { SupervisorError, type SupervisorErrorCode } from '../errors.js';
import { readPidFile, removePidFile, writePidFile } from '../os/atomic-file.js';
import { planExec } from '../os/exec-plan.js';
import { decideAfterSpawnError } from '../policy/restart-policy.js';
import { readProcStat } from '../os/proc-stat.js';
import { pathFailure } from '../os/safe-path.js';
import { signalGroup } from '../os/signals.js';
import type { ProcessCore } from './process-core.js';
import { Run } from './run.js';

export function newRun(proc: ProcessCore, startedAt: number): Run {
  return new Run(proc.host.clock, startedAt, (error) => proc.report('DPD_SIGNAL_FAILED', error));
}

/** Starts a run of `proc.spec`; the spawner's answers follow as events. */
export function launch(proc: ProcessCore, now: number): void {
  const { spec, host } = proc;
  const planned = planExec(spec, host.ctx);
  if (!planned.ok) return spawnFailed(proc, now, planned.code, planned.reason, planned.errno);

  const output = proc.logs.prepare(spec, host.unlogged, planned.plan.uid);
  if (!output.ok) return spawnFailed(proc, now, output.code, output.reason, output.errno);
  const run = newRun(proc, now);
  run.uid = planned.plan.uid;
  proc.run = run;
  try {
    if (spec.daemon && spec.pid_file) removePidFile(spec.pid_file, readPidFile(spec.pid_file) ?? -1, run.uid);
  } catch (error) {
    output.release();
    const failure = pathFailure('pid_file', spec.pid_file!, error);
    return spawnFailed(proc, now, failure.code, failure.reason, failure.errno);
  }
  // The spawner answers later (the helper, once the program has exec'd).
  run.child = host.spawner.spawn(planned.plan, output.stdout, output.stderr, {
    spawned: (pid, startTime) => {
      output.release();
      spawned(proc, run, pid, startTime);
    },
    failed: (reason, errno) => {
      output.release();
      if (proc.run === run) spawnFailed(proc, now, 'DPD_SPAWN_FAILED', reason, errno);
    },
    exited: (code, signal, groupLeft) => childExited(proc, run, code, signal, groupLeft),
    lost: () => childLost(proc, run),
  });
}

/** Watches a program that is not (or no longer) our child through /proc: `exit` when it is gone. */
export function watchTarget(proc: ProcessCore, run: Run): void {
  const target = run.target!;
  run.unwatch = proc.host.poller.watch(target.pid, target.startTime, () => {
    if (proc.run === run) proc.fire('exit');
  });
}

function spawned(proc: ProcessCore, run: Run, pid: number, knownStart: string | undefined): void {
  if (proc.run !== run) {
    // Given up on while it was being started: it must not run unsupervised.
    run.signal(() => signalGroup(pid, 'SIGKILL'));
    return;
  }
  const { spec } = proc;
  const startTime = knownStart ?? readProcStat(pid)?.startTime ?? '0';
  if (spec.daemon) {
    run.launcherPgid = pid;
    run.launcherStart = startTime;
    return proc.fire('launched');
  }
  run.target = { pid, pgid: pid, startTime };
  if (spec.write_pid && spec.pid_file !== null) {
    try {
      writePidFile(spec.pid_file, pid, run.uid);
    } catch (error) {
      proc.report('DPD_SPAWN_FAILED', error, `cannot write pid_file ${spec.pid_file}`);
    }
  }
  proc.fire('spawned');
}

/** Our child is no longer our child (the spawn helper is gone): watch it as an adopted one. */
function childLost(proc: ProcessCore, run: Run): void {
  if (proc.run !== run) return;
  run.child = null;
  if (run.target) watchTarget(proc, run);
  proc.fire('lost');
}

/**
 * The start begun at `startedAt` failed (with the OS error `errno`, when it was the OS's): the run (if one began) is
 * dropped unrecorded, and the restart policy says whether it is tried again after the backoff.
 */
function spawnFailed(
  proc: ProcessCore,
  startedAt: number,
  code: SupervisorErrorCode,
  reason: string,
  errno?: string,
): void {
  proc.reason = reason;
  proc.host.emit('proc.error', { name: proc.name, error: new SupervisorError(code, `${proc.name}: ${reason}`) });
  proc.run?.close();
  proc.run = null;
  const verdict = decideAfterSpawnError(proc.spec, errno, proc.history, startedAt);
  if (verdict.event === 'spawn-error:transient') proc.backoffDelay = verdict.delay;
  proc.fire(verdict.event);
}

function childExited(
  proc: ProcessCore,
  run: Run,
  code: number | null,
  signal: NodeJS.Signals | null,
  groupLeft?: boolean,
): void {
  if (proc.run !== run) return;
  run.child = null;
  if (proc.spec.daemon) {
    if (run.target !== null) return; // the launcher of a daemon already found
    run.launcherPgid = null;
    if (code === 0) return proc.fire('forked'); // as planned; the pid file follows
    run.failure = `daemon launcher exited with ${signal ?? `code ${code}`} before writing ${proc.spec.pid_file}`;
  } else {
    run.groupEmpty = groupLeft === false;
  }
  run.exit = { code, signal };
  proc.fire('exit');
}
