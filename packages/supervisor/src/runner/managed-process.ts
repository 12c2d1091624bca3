// One supervised process: runs the actions the state machine names, and
// turns what happens to the process (spawn, exit, timers) into events for
// the machine. Only `fire()` changes `state`. Everything that belongs to
// one run (child, pid, group, timers) lives in a Run object that is
// dropped when the run ends, so nothing of a run can act on the next.
import { LoadGate, type Sampler } from '@diprocd/loadgate';
import type { LoadSource, Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import { SupervisorError, type SupervisorErrorCode } from '../errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from '../events.js';
import { readPidFile, removePidFile, writePidFile } from '../os/atomic-file.js';
import { planExec, targetUid, type ExecContext } from '../os/exec-plan.js';
import { pathFailure } from '../os/safe-path.js';
import type { Child, Spawner } from '../os/launch.js';
import { isAlive, readProcStat } from '../os/proc-stat.js';
import { groupAlive, signalGroup, signalPid } from '../os/signals.js';
import { targetFromPidFile, targetOf, type Target } from '../os/target.js';
import { decideAfterExit, recentStarts, type RestartHistory } from '../policy/restart-policy.js';
import { hasEnded, isLive, transition, type Action, type ProcEvent, type ProcState } from '../state/machine.js';
import { specDigest, stopFields } from '../store/record-spec.js';
import type { ProcRecord, StateStore } from '../store/state-store.js';
import { LogOutput, type Unlogged } from './log-output.js';
import type { Poller } from './poller.js';

/** What a process needs from the supervisor that owns it. */
export interface ProcessHost {
  readonly clock: Clock;
  /** Load signals for the `load` key, by source name. */
  readonly loadSamplers: Record<LoadSource, Sampler>;
  readonly poller: Poller;
  readonly store: StateStore;
  readonly ctx: ExecContext;
  readonly spawner: Spawner;
  readonly daemonPidTimeoutMs: number;
  /** Where output goes that no `logs`/`log_pipe` takes (and stderr with `log_stderr: false`). */
  readonly unlogged: Unlogged;
  emit<E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]): void;
  /** Called after every transition (dependants may now start). */
  changed(proc: ManagedProcess): void;
}

/** Why a stop was asked for; decides what its end leads to. */
type StopIntent = 'stop' | 'restart' | 'remove' | 'timeout';
type RunTimer = 'timeout' | 'daemon' | 'stop';

/** One run of the process, from spawn (or adoption) to its end. */
interface Run {
  readonly startedAt: number;
  /** Our child (being started, or running): the program, or a forking daemon's launcher; null once it exited (or when adopted). */
  child: Child | null;
  /** The daemon launcher's group and /proc start time, while it may still be signalled. */
  launcherPgid: number | null;
  launcherStart: string | null;
  /** What is watched and signalled: the program (for a daemon, once its pid file names it). */
  target: Target | null;
  /** The uid the program runs as (a daemon's pid file must name a process of that uid). */
  uid: number | undefined;
  /** How the leader exited, when we saw it (our own child only). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The spawner saw that nothing of the group the leader led was left when it exited. */
  groupEmpty: boolean;
  timedOut: boolean;
  killAt: number;
  killed: boolean;
  timeoutDeadline: number | null;
  timeoutLeft: number | null;
  readonly timers: Map<RunTimer, unknown>;
  unwatch: (() => void) | null;
}

// How often a stopping process, or a daemon's pid file, is checked.
const FAST_POLL_MS = 20;
// How long a process that ignored SIGKILL (stuck in the kernel) is waited for.
const KILL_GRACE_MS = 5_000;
// Node fires any delay above 2^31-1 ms at once; longer ones are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ManagedProcess {
  state: ProcState = 'idle';
  restarts = 0;
  lastExit: ExitStatus | null = null;
  reason: string | null = null;
  adopted: 'state' | 'pid_file' | null = null;
  readonly history: RestartHistory = { starts: [], quickFailures: 0 };

  private run: Run | null = null;
  private nextSpec: Proc | undefined;
  private intent: StopIntent | null = null;
  private backoffDelay = 0;
  private backoffTimer: unknown;
  private pendingSpawn: object | null = null;
  private everStarted = false;
  private readonly listeners = new Set<() => void>();
  private readonly logs: LogOutput;
  private gate: { key: string; gate: LoadGate } | null = null;
  /** Who paused it: the gate resumes only what the load paused, never an operator's pause. */
  private pausedBy: 'load' | 'operator' | null = null;

  constructor(
    public spec: Proc,
    private readonly host: ProcessHost,
  ) {
    this.logs = new LogOutput(host.ctx, {
      started: ({ pid, command }) => command && host.emit('proc.log-start', { name: this.name, pid }),
      exited: ({ pid, command, code, signal, inUse }) => {
        if (command) host.emit('proc.log-exit', { name: this.name, pid, code, signal });
        const what = command ? 'log_pipe command' : 'log relay';
        if (inUse) this.report('DPD_SPAWN_FAILED', new Error(`${what} exited with ${signal ?? `code ${code}`}; the next run starts another`));
      },
    });
  }

  get name(): string {
    return this.spec.name;
  }
  get pid(): number | null {
    return this.run?.target?.pid ?? null;
  }
  get pgid(): number | null {
    return this.run?.target?.pgid ?? null;
  }
  get startedAt(): number | null {
    return this.run?.target ? this.run.startedAt : null;
  }

  // ---- the machine -------------------------------------------------------

  /** Applies `event` through the transition table and runs the action it names. */
  fire(event: ProcEvent): void {
    const from = this.state;
    const { to, action } = transition(this.name, from, event);
    this.state = to;
    if (from !== to) this.host.emit('proc.state', { name: this.name, from, to });
    this.perform(action, from, event);
    this.host.changed(this);
    for (const listener of [...this.listeners]) listener();
  }

  private perform(action: Action, from: ProcState, event: ProcEvent): void {
    switch (action) {
      case 'spawn':
        // After an exit, respawn on the next turn: a crash loop must not
        // starve the host's event loop.
        if (event === 'exit:restart') return this.deferSpawn();
        return this.spawn();
      case 'watch':
        return this.onLive();
      case 'signal-stop':
        return this.signalStop(from === 'paused');
      case 'schedule-restart':
        this.host.store.delete(this.name);
        this.host.emit('proc.backoff', { name: this.name, delayMs: this.backoffDelay });
        this.backoffTimer = this.host.clock.setTimeout(() => {
          this.backoffTimer = undefined;
          this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
          this.fire('backoff-elapsed');
        }, this.backoffDelay);
        return;
      case 'cancel':
        this.cancelPending();
        if (this.state === 'removed') this.retire();
        if (this.state === 'stopped' || this.state === 'removed') this.host.emit('proc.stop', { name: this.name });
        return;
      case 'halt':
        return this.halt();
      case 'continue':
        return this.proceed();
      case 'settle':
        return this.settle();
    }
  }

  /** Resolves once `done(state)` holds (checked now and after every transition). */
  until(done: (state: ProcState) => boolean): Promise<void> {
    if (done(this.state)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done(this.state)) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  // ---- commands ----------------------------------------------------------

  private get live(): boolean {
    return isLive(this.state);
  }

  /** Starts it unless it is live; an operator's start forgets earlier failures. */
  start(): void {
    if (this.state === 'stopping') {
      this.intent = 'restart';
      return;
    }
    if (this.live) return;
    this.forgetFailures();
    this.fire('start');
  }

  /** Holds it until its dependencies run. */
  hold(): void {
    if (this.state !== 'waiting') this.fire('wait');
  }

  stop(intent: 'stop' | 'remove' = 'stop'): void {
    if (this.state === 'stopping') {
      this.intent = intent;
      return;
    }
    if (this.live) this.intent = intent;
    this.fire(intent);
  }

  /** Stops and starts it again (with `nextSpec` if one is pending), or starts it if it is down. */
  restart(): void {
    if (this.live) {
      this.intent = 'restart';
      this.fire('stop');
    } else if (this.state === 'stopping') {
      this.intent = 'restart';
    } else {
      this.start();
    }
  }

  /** Forgets the restart history; a process that is down for a failure starts again. */
  reset(): void {
    this.forgetFailures();
    if (hasEnded(this.state)) this.fire('start');
  }

  pause(): void {
    this.fire('pause');
    this.pausedBy = 'operator';
  }

  resume(): void {
    this.fire('resume');
  }

  /** Sends `signal` to the running process's group, or to its log_pipe command; false when nothing runs there. */
  sendSignal(signal: NodeJS.Signals, target: 'process' | 'log'): boolean {
    if (target === 'log') return this.logs.signal(signal);
    const run = this.run;
    if (!run?.target || !isLive(this.state)) return false;
    this.send(run, signal);
    return true;
  }

  /**
   * A changed definition from apply(): live processes restart with it,
   * failed ones try again, a stopped one stays stopped. `ready` says whether
   * its dependencies run (a waiting process starts once they do). True when
   * the process moves (restarts or starts), false when only its spec changed.
   */
  update(spec: Proc, ready: boolean): boolean {
    if (this.live || this.state === 'stopping') {
      this.nextSpec = spec;
      this.restart();
      return true;
    }
    this.spec = spec;
    if (this.state === 'backoff' || hasEnded(this.state) || (this.state === 'waiting' && ready)) {
      this.forgetFailures();
      this.fire('start');
      return true;
    }
    return false; // stopped by an operator, or still waiting: only its spec changed
  }

  /** Takes over a process an earlier supervisor started. */
  adopt(record: Pick<ProcRecord, 'pid' | 'startedAt' | 'restarts'>, via: 'state' | 'pid_file'): boolean {
    const target = targetOf(record.pid);
    if (!target) return false;
    // A process left paused (SIGSTOP) by the earlier supervisor is woken;
    // the load gate pauses it again if the load is still high.
    if (readProcStat(record.pid)?.state === 'T') target.pgid ? signalGroup(target.pgid, 'SIGCONT') : signalPid(target.pid, 'SIGCONT');
    const run = this.newRun(null, record.startedAt);
    run.target = target;
    run.uid = targetUid(this.spec, this.host.ctx); // its pid file is removed as any other's
    this.run = run;
    this.restarts = record.restarts;
    this.everStarted = true;
    this.adopted = via;
    this.watchTarget(run);
    this.fire('adopt');
    return true;
  }

  private forgetFailures(): void {
    this.history.starts = [];
    this.history.quickFailures = 0;
  }

  // ---- starting ----------------------------------------------------------

  private newRun(child: Child | null, startedAt: number): Run {
    return { startedAt, child, launcherPgid: null, launcherStart: null, target: null, uid: undefined, exit: null, groupEmpty: false, timedOut: false, killAt: 0, killed: false, timeoutDeadline: null, timeoutLeft: null, timers: new Map(), unwatch: null };
  }

  private deferSpawn(): void {
    const token = {};
    this.pendingSpawn = token;
    setImmediate(() => {
      if (this.pendingSpawn !== token || this.state !== 'starting') return;
      this.pendingSpawn = null;
      this.spawn();
    });
  }

  private cancelPending(): void {
    this.pendingSpawn = null;
    if (this.backoffTimer !== undefined) this.host.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
  }

  private spawn(): void {
    this.cancelPending();
    if (this.nextSpec) {
      this.spec = this.nextSpec;
      this.nextSpec = undefined;
    }
    const now = this.host.clock.now();
    if (this.everStarted) this.restarts += 1;
    this.everStarted = true;
    this.reason = null;
    this.adopted = null;
    this.intent = null;
    this.history.starts = [...recentStarts(this.history, this.spec.restart_limit.within, now), now];

    const planned = planExec(this.spec, this.host.ctx);
    if (!planned.ok) return this.spawnFailed(planned.code, planned.reason);

    const output = this.logs.prepare(this.spec, this.host.unlogged, planned.plan.uid);
    if (!output.ok) return this.spawnFailed(output.code, output.reason);
    const run = this.newRun(null, now);
    run.uid = planned.plan.uid;
    this.run = run;
    try {
      if (this.spec.daemon && this.spec.pid_file) removePidFile(this.spec.pid_file, readPidFile(this.spec.pid_file) ?? -1, run.uid);
    } catch (error) {
      output.release();
      const failure = pathFailure('pid_file', this.spec.pid_file!, error);
      return this.spawnFailed(failure.code, failure.reason);
    }
    // The spawner answers later (the helper, once the program has exec'd).
    run.child = this.host.spawner.spawn(planned.plan, output.stdout, output.stderr, {
      spawned: (pid, startTime) => {
        output.release();
        this.spawned(run, pid, startTime);
      },
      failed: (reason) => {
        output.release();
        if (this.run === run) this.spawnFailed('DPD_SPAWN_FAILED', reason);
      },
      exited: (code, signal, groupLeft) => this.childExited(run, code, signal, groupLeft),
      lost: () => this.childLost(run),
    });
  }

  private spawned(run: Run, pid: number, knownStart: string | undefined): void {
    if (this.run !== run) {
      // Given up on while it was being started: it must not run unsupervised.
      this.signal(() => signalGroup(pid, 'SIGKILL'));
      return;
    }
    const startTime = knownStart ?? readProcStat(pid)?.startTime ?? '0';
    if (this.spec.daemon) {
      run.launcherPgid = pid;
      run.launcherStart = startTime;
      if (this.state === 'stopping') return this.stopSpawned(run);
      return this.awaitDaemon(run);
    }
    run.target = { pid, pgid: pid, startTime };
    if (this.spec.write_pid && this.spec.pid_file !== null) {
      try {
        writePidFile(this.spec.pid_file, pid, run.uid);
      } catch (error) {
        this.report('DPD_SPAWN_FAILED', error, `cannot write pid_file ${this.spec.pid_file}`);
      }
    }
    if (this.state === 'stopping') return this.stopSpawned(run);
    this.fire('spawned');
  }

  /** Asked to stop while it was being started: what was sent to nothing is sent now. */
  private stopSpawned(run: Run): void {
    this.send(run, run.killed ? 'SIGKILL' : this.spec.stop_signal);
    this.stopTick(run);
  }

  /** Our child is no longer our child (the spawn helper is gone): watch it as an adopted one. */
  private childLost(run: Run): void {
    if (this.run !== run) return;
    run.child = null;
    if (run.target) this.watchTarget(run);
    else if (this.state === 'stopping') this.stopTick(run);
  }

  private spawnFailed(code: SupervisorErrorCode, reason: string): void {
    this.reason = reason;
    this.host.emit('proc.error', { name: this.name, error: new SupervisorError(code, `${this.name}: ${reason}`) });
    if (this.run) this.closeRun(this.run);
    if (this.state === 'stopping') this.fire(this.stopEvent(0, this.exitStatus(null)));
    else this.fire('spawn-error');
  }

  // A forking daemon: the launcher exits once it has forked; the daemon's
  // pid comes from pid_file. Only a process that started after the launcher,
  // as the spec's user, is believed.
  private awaitDaemon(run: Run): void {
    const deadline = this.host.clock.now() + this.host.daemonPidTimeoutMs;
    const check = () => {
      if (this.run !== run || this.state !== 'starting') return;
      const target = this.daemonTarget(run);
      if (target) {
        run.target = target;
        this.watchTarget(run);
        this.fire('spawned');
      } else if (this.host.clock.now() >= deadline) {
        this.reason = `daemon did not write a live pid to ${this.spec.pid_file} within ${this.host.daemonPidTimeoutMs} ms`;
        if (run.launcherPgid !== null) this.signal(() => signalGroup(run.launcherPgid!, 'SIGKILL'));
        this.ended(run, null);
      } else {
        this.setRunTimer(run, 'daemon', check, FAST_POLL_MS);
      }
    };
    check();
  }

  private daemonTarget(run: Run): Target | undefined {
    return targetFromPidFile(this.spec.pid_file!, { startedSince: run.launcherStart ?? undefined, uid: run.uid });
  }

  private childExited(run: Run, code: number | null, signal: NodeJS.Signals | null, groupLeft?: boolean): void {
    if (this.run !== run) return;
    run.child = null;
    if (this.spec.daemon) {
      if (run.target !== null) return; // the launcher of a daemon already found
      run.launcherPgid = null;
      if (this.state === 'stopping') return this.stopTick(run);
      if (code === 0) return; // forked as planned; the pid file follows
      this.reason = `daemon launcher exited with ${signal ?? `code ${code}`} before writing ${this.spec.pid_file}`;
      return this.ended(run, { code, signal });
    }
    run.exit = { code, signal };
    run.groupEmpty = groupLeft === false;
    if (this.state === 'stopping') this.stopTick(run);
    else this.ended(run, run.exit);
  }

  private watchTarget(run: Run): void {
    const target = run.target!;
    run.unwatch = this.host.poller.watch(target.pid, target.startTime, () => {
      if (this.run !== run) return;
      if (this.state === 'stopping') this.stopTick(run);
      else this.ended(run, null);
    });
  }

  private onLive(): void {
    const run = this.run!;
    if (this.spec.timeout !== null) this.armTimeout(run, Math.max(0, this.spec.timeout - (this.host.clock.now() - run.startedAt)));
    const target = run.target!;
    this.host.store.set(this.name, { pid: target.pid, startTime: target.startTime, startedAt: run.startedAt, restarts: this.restarts, digest: specDigest(this.spec), stop: stopFields(this.spec) });
    if (this.adopted) this.host.emit('proc.adopted', { name: this.name, pid: target.pid, via: this.adopted });
    else this.host.emit('proc.start', { name: this.name, pid: target.pid, restarts: this.restarts });
    // A run that starts while the machine is overloaded starts paused (a
    // new gate pauses it as it adds it; an existing one is asked here).
    if (this.loadGate()?.paused && this.state === 'running') {
      this.fire('pause');
      this.pausedBy = 'load';
    }
  }

  /**
   * The load gate of the `load` key (one per process, replaced when its
   * settings change): it pauses a running process while the load is above
   * pause_above and resumes it at or below resume_below.
   */
  private loadGate(): LoadGate | null {
    const load = this.spec.load;
    const key = JSON.stringify(load);
    if (this.gate?.key === key) return this.gate.gate;
    this.gate?.gate.stop();
    this.gate = null;
    if (load === null) return null;
    const gate = new LoadGate({ pauseAbove: load.pause_above, resumeBelow: load.resume_below, intervalMs: load.interval, sampler: this.host.loadSamplers[load.source] });
    gate.add({
      pause: () => {
        if (this.state !== 'running') return;
        this.fire('pause');
        this.pausedBy = 'load';
      },
      resume: () => {
        if (this.state === 'paused' && this.pausedBy === 'load') this.fire('resume');
      },
    });
    this.gate = { key, gate: gate.start() };
    return gate;
  }

  private armTimeout(run: Run, ms: number): void {
    run.timeoutDeadline = this.host.clock.now() + ms;
    this.setRunTimer(run, 'timeout', () => {
      run.timedOut = true;
      this.intent = 'timeout';
      this.reason = `ran longer than its timeout of ${this.spec.timeout} ms`;
      this.fire('timeout');
    }, ms);
  }

  private halt(): void {
    const run = this.run!;
    this.send(run, 'SIGSTOP');
    if (run.timeoutDeadline !== null && run.timers.has('timeout')) {
      // A paused process is not killed by its own timeout: the clock stops with it.
      run.timeoutLeft = Math.max(0, run.timeoutDeadline - this.host.clock.now());
      this.clearRunTimer(run, 'timeout');
    }
    this.host.emit('proc.paused', { name: this.name, pid: this.pid! });
  }

  private proceed(): void {
    this.pausedBy = null;
    const run = this.run!;
    this.send(run, 'SIGCONT');
    if (run.timeoutLeft !== null) {
      this.armTimeout(run, run.timeoutLeft);
      run.timeoutLeft = null;
    }
    this.host.emit('proc.resumed', { name: this.name, pid: this.pid! });
  }

  // ---- stopping ----------------------------------------------------------

  private signalStop(wasPaused: boolean): void {
    const run = this.run;
    if (!run) {
      // Nothing runs yet (a respawn deferred to the next turn): done at once.
      this.pendingSpawn = null;
      return this.fire(this.stopEvent(0, this.exitStatus(null)));
    }
    this.clearRunTimer(run, 'timeout');
    this.clearRunTimer(run, 'daemon');
    this.send(run, this.spec.stop_signal);
    if (wasPaused) this.send(run, 'SIGCONT'); // a stopped process cannot act on the stop signal
    run.killAt = this.host.clock.now() + this.spec.stop_timeout;
    this.stopTick(run);
  }

  /**
   * One look at a stopping run: done when the program and the rest of its
   * group are gone; SIGKILL at the deadline; given up on (reported) if even
   * that does not end it. Our own child's exit event calls this at once, so
   * only processes that are not our children are polled, and the group is
   * looked at only once its leader is gone.
   */
  private stopTick(run: Run): void {
    if (this.run !== run || this.state !== 'stopping') return;
    const now = this.host.clock.now();
    // A daemon stopped before its pid was known may have written it since.
    if (this.spec.daemon && run.target === null && run.child === null) {
      run.target = this.daemonTarget(run) ?? null;
      if (run.target) this.send(run, run.killed ? 'SIGKILL' : this.spec.stop_signal);
    }
    if (!run.killed && now >= run.killAt) {
      run.killed = true;
      this.send(run, 'SIGKILL');
    }
    if (now >= run.killAt + KILL_GRACE_MS) {
      this.reason = `still running ${KILL_GRACE_MS} ms after SIGKILL (stuck in the kernel?); no longer watched`;
      this.report('DPD_SIGNAL_FAILED', new Error(this.reason));
      return this.finishStop(run);
    }
    const target = run.target;
    // A daemon whose pid is still unknown is looked for until the deadline.
    const awaitingPid = this.spec.daemon && target === null && now < run.killAt;
    // Our own program's exit was seen (run.exit): it is gone, and the
    // spawner may have seen its group empty, which then stays empty.
    const ownExit = !this.spec.daemon && run.exit !== null;
    const leaderGone = run.child === null && !awaitingPid && (target === null || ownExit || !isAlive(target.pid, target.startTime));
    if (leaderGone) {
      const group = target?.pgid ?? run.launcherPgid;
      if (group === null || (ownExit && run.groupEmpty) || !this.signal(() => groupAlive(group))) return this.finishStop(run);
    }
    // Our own child, still running: its exit event ends the wait; until then
    // only the deadlines matter. Anything else is looked at often.
    const deadline = run.killed ? run.killAt + KILL_GRACE_MS : run.killAt;
    const next = run.child !== null && !leaderGone ? Math.max(1, deadline - now) : FAST_POLL_MS;
    this.setRunTimer(run, 'stop', () => this.stopTick(run), next);
  }

  private finishStop(run: Run): void {
    const status = this.exitStatus(run);
    const runMs = this.host.clock.now() - run.startedAt;
    this.recordExit(run, status, runMs);
    this.closeRun(run);
    this.fire(this.stopEvent(runMs, status));
  }

  private stopEvent(runMs: number, status: ExitStatus): ProcEvent {
    switch (this.intent) {
      case 'remove':
        return 'exit:removed';
      case 'restart':
        return 'exit:restart';
      case 'timeout':
        return this.verdict(status, runMs);
      default:
        return 'exit:stopped';
    }
  }

  // ---- the end of a run --------------------------------------------------

  private exitStatus(run: Run | null): ExitStatus {
    return { code: run?.exit?.code ?? null, signal: run?.exit?.signal ?? null, timedOut: run?.timedOut ?? false, at: this.host.clock.now() };
  }

  private recordExit(run: Run, status: ExitStatus, runMs: number): void {
    this.lastExit = status;
    if (!run.target) return;
    this.host.emit('proc.exit', { name: this.name, pid: run.target.pid, runMs, ...status });
    if (this.spec.write_pid && this.spec.pid_file !== null) {
      try {
        removePidFile(this.spec.pid_file, run.target.pid, run.uid);
      } catch (error) {
        this.report('DPD_SPAWN_FAILED', error, `cannot remove pid_file ${this.spec.pid_file}`);
      }
    }
  }

  /** A run that ended without being asked to. */
  private ended(run: Run, exit: Run['exit']): void {
    run.exit = exit;
    const status = this.exitStatus(run);
    const runMs = this.host.clock.now() - run.startedAt;
    this.recordExit(run, status, runMs);
    // What is left of its group is orphaned; clear it so the next run starts
    // clean. (Only a group the program led; a daemon's group is its own
    // business.) Not when the spawner saw it empty: it stays empty, and the
    // signal would cost the restart a failed kill().
    const pgid = run.target?.pgid;
    if (!this.spec.daemon && pgid && !run.groupEmpty) this.signal(() => signalGroup(pgid, 'SIGKILL'));
    this.closeRun(run);
    this.fire(this.verdict(status, runMs));
  }

  private verdict(status: ExitStatus, runMs: number): ProcEvent {
    const verdict = decideAfterExit(this.spec, status, runMs, this.history, this.host.clock.now());
    if (verdict.event === 'exit:backoff') this.backoffDelay = verdict.delay;
    if (verdict.event === 'exit:restart') this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
    return verdict.event;
  }

  private settle(): void {
    this.cancelPending();
    if (this.run) this.closeRun(this.run);
    this.pausedBy = null;
    // Nothing runs: no need to sample the load until the next run.
    this.gate?.gate.stop();
    this.gate = null;
    this.intent = null;
    this.host.store.delete(this.name);
    if (this.state === 'removed') this.retire();
    if (this.state === 'gave-up') {
      this.reason = `more than ${this.spec.restart_limit.starts} starts within ${this.spec.restart_limit.within} ms`;
      this.host.emit('proc.gave-up', { name: this.name, starts: this.spec.restart_limit.starts, withinMs: this.spec.restart_limit.within });
    } else if (this.state === 'stopped' || this.state === 'removed') {
      this.host.emit('proc.stop', { name: this.name });
    }
  }

  private closeRun(run: Run): void {
    for (const name of [...run.timers.keys()]) this.clearRunTimer(run, name);
    run.unwatch?.();
    run.unwatch = null;
    if (this.run === run) this.run = null;
  }

  // ---- helpers -----------------------------------------------------------

  /** A signal to the run's target (its group when it leads one), or to a daemon's launcher group. */
  private send(run: Run, signal: NodeJS.Signals): void {
    const target = run.target;
    if (target) this.signal(() => (target.pgid ? signalGroup(target.pgid, signal) : signalPid(target.pid, signal)));
    if (run.launcherPgid !== null) this.signal(() => signalGroup(run.launcherPgid!, signal));
  }

  private signal(act: () => boolean): boolean {
    try {
      return act();
    } catch (error) {
      this.report('DPD_SIGNAL_FAILED', error);
      return false;
    }
  }

  /** Emits proc.error; one of our coded errors keeps its code (DPD_UNSAFE_PATH), and is prefixed with `context` when given. */
  private report(code: SupervisorErrorCode, error: unknown, context?: string): void {
    const coded = error instanceof SupervisorError;
    const wrapped = coded && !context ? error : new SupervisorError(coded ? error.code : code, `${this.name}: ${context ? `${context}: ` : ''}${(error as Error).message}`, { cause: error });
    this.host.emit('proc.error', { name: this.name, error: wrapped });
  }

  private setRunTimer(run: Run, name: RunTimer, fn: () => void, ms: number): void {
    this.clearRunTimer(run, name);
    const step = Math.min(ms, MAX_TIMER_MS);
    run.timers.set(name, this.host.clock.setTimeout(() => {
      run.timers.delete(name);
      if (ms > MAX_TIMER_MS) this.setRunTimer(run, name, fn, ms - MAX_TIMER_MS);
      else fn();
    }, step));
  }

  private clearRunTimer(run: Run, name: RunTimer): void {
    const handle = run.timers.get(name);
    if (handle === undefined) return;
    this.host.clock.clearTimeout(handle);
    run.timers.delete(name);
  }

  /** The process is gone for good: its log relay and load gate end. */
  private retire(): void {
    this.logs.end();
    this.gate?.gate.stop();
    this.gate = null;
  }

  /** Lets the supervisor's process exit while this one runs on (close without stopping). */
  detach(): void {
    this.cancelPending();
    this.logs.detach();
    this.gate?.gate.stop();
    this.gate = null;
    const run = this.run;
    if (!run) return;
    for (const name of [...run.timers.keys()]) this.clearRunTimer(run, name);
    run.unwatch?.();
    run.child?.detach();
    this.run = null;
  }
}
