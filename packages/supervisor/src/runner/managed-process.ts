// One supervised process: runs the actions the state machine names, and
// turns what happens to the process (spawn, exit, timers) into events for
// the machine. Only `fire()` changes `state`.
import type { ChildProcess } from 'node:child_process';
import type { Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import { SupervisorError, type SupervisorErrorCode } from '../errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from '../events.js';
import { readPidFile, removePidFile, writePidFile } from '../os/atomic-file.js';
import { planExec, type ExecContext } from '../os/exec-plan.js';
import { closeQuietly, launch, openLog, type Output } from '../os/launch.js';
import { isAlive, readProcStat } from '../os/proc-stat.js';
import { groupAlive, signalGroup, signalPid } from '../os/signals.js';
import { decideAfterExit, recentStarts, type RestartHistory } from '../policy/restart-policy.js';
import { transition, type Action, type ProcEvent, type ProcState } from '../state/machine.js';
import type { ProcRecord, StateStore } from '../store/state-store.js';
import type { Poller } from './poller.js';

/** What a process needs from the supervisor that owns it. */
export interface ProcessHost {
  readonly clock: Clock;
  readonly poller: Poller;
  readonly store: StateStore;
  readonly ctx: ExecContext;
  readonly daemonPidTimeoutMs: number;
  emit<E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]): void;
  /** Called after every transition (dependants may now start). */
  changed(proc: ManagedProcess): void;
}

/** Why a stop was asked for; decides what its exit leads to. */
type StopIntent = 'stop' | 'restart' | 'remove' | 'timeout';
type TimerName = 'backoff' | 'timeout' | 'kill' | 'daemon' | 'drain';

// How often a stopping process, or a daemon's pid file, is checked.
const FAST_POLL_MS = 20;
// How long a group that ignored SIGKILL (stuck in the kernel) is waited for.
const KILL_GRACE_MS = 5_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ManagedProcess {
  state: ProcState = 'idle';
  pid: number | null = null;
  pgid: number | null = null;
  startTime: string | null = null;
  startedAt: number | null = null;
  restarts = 0;
  lastExit: ExitStatus | null = null;
  reason: string | null = null;
  adopted: 'state' | 'pid_file' | null = null;
  readonly history: RestartHistory = { starts: [], quickFailures: 0 };

  private nextSpec: Proc | undefined;
  private child: ChildProcess | null = null;
  private launcherPgid: number | null = null;
  private unwatch: (() => void) | null = null;
  private intent: StopIntent | null = null;
  private backoffDelay = 0;
  private timeoutDeadline: number | null = null;
  private timeoutLeft: number | null = null;
  private killAt = 0;
  private run = 0; // increments per run, so callbacks of an earlier run are ignored
  private readonly timers = new Map<TimerName, unknown>();
  private readonly listeners = new Set<() => void>();

  constructor(
    public spec: Proc,
    private readonly host: ProcessHost,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  // ---- the machine -------------------------------------------------------

  /** Applies `event` through the transition table and runs the action it names. */
  fire(event: ProcEvent): void {
    const from = this.state;
    const { to, action } = transition(this.name, from, event);
    this.state = to;
    if (from !== to) this.host.emit('proc.state', { name: this.name, from, to });
    this.perform(action, from);
    this.host.changed(this);
    for (const listener of [...this.listeners]) listener();
  }

  private perform(action: Action, from: ProcState): void {
    switch (action) {
      case 'spawn':
        return this.spawn();
      case 'watch':
        return this.live();
      case 'signal-stop':
        return this.signalStop(from === 'paused');
      case 'schedule-restart':
        this.host.store.delete(this.name);
        this.host.emit('proc.backoff', { name: this.name, delayMs: this.backoffDelay });
        this.setTimer('backoff', () => this.autoRestart('backoff-elapsed'), this.backoffDelay);
        return;
      case 'cancel':
        this.clearTimer('backoff');
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

  /** Starts it unless it is live; an operator's start forgets earlier failures. */
  start(): void {
    if (this.state === 'stopping') {
      if (this.intent === 'stop' || this.intent === 'remove') this.intent = 'restart';
      return;
    }
    if (['starting', 'running', 'paused'].includes(this.state)) return;
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
    if (['starting', 'running', 'paused'].includes(this.state)) this.intent = intent;
    this.fire(intent);
  }

  /** Stops and starts it again (with `nextSpec` if one is pending), or starts it if it is down. */
  restart(): void {
    if (['starting', 'running', 'paused'].includes(this.state)) {
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
    if (['gave-up', 'failed', 'spawn-failed', 'exited'].includes(this.state)) this.fire('start');
  }

  pause(): void {
    this.fire('pause');
  }

  resume(): void {
    this.fire('resume');
  }

  /** A changed definition from apply(): live processes restart with it, failed ones try again, a stopped one stays stopped. */
  update(spec: Proc): void {
    switch (this.state) {
      case 'starting':
      case 'running':
      case 'paused':
      case 'stopping':
        this.nextSpec = spec;
        this.restart();
        return;
      case 'backoff':
      case 'gave-up':
      case 'failed':
      case 'spawn-failed':
      case 'exited':
        this.spec = spec;
        this.forgetFailures();
        this.fire('start');
        return;
      default:
        this.spec = spec;
    }
  }

  /** Takes over a process an earlier supervisor started. */
  adopt(record: Pick<ProcRecord, 'pid' | 'pgid' | 'startTime' | 'startedAt' | 'restarts'>, via: 'state' | 'pid_file'): void {
    this.pid = record.pid;
    this.pgid = record.pgid;
    this.startTime = record.startTime;
    this.startedAt = record.startedAt;
    this.restarts = record.restarts;
    this.adopted = via;
    this.watchPid(++this.run);
    this.fire('adopt');
  }

  private forgetFailures(): void {
    this.history.starts = [];
    this.history.quickFailures = 0;
  }

  // ---- actions -----------------------------------------------------------

  private spawn(): void {
    if (this.nextSpec) {
      this.spec = this.nextSpec;
      this.nextSpec = undefined;
    }
    this.clearTimer('backoff');
    const run = ++this.run;
    const now = this.host.clock.now();
    if (this.startedAt !== null) this.restarts += 1;
    this.reason = null;
    this.adopted = null;
    this.intent = null;
    this.history.starts = [...recentStarts(this.history, this.spec.restart_limit.within, now), now];

    const planned = planExec(this.spec, this.host.ctx);
    if (!planned.ok) return this.spawnFailed(planned.code, planned.reason);

    let child: ChildProcess;
    let fd: number | undefined;
    try {
      let output: Output = 'ignore';
      if (this.spec.logs !== null) output = fd = openLog(this.spec.logs);
      if (this.spec.daemon && this.spec.pid_file) removePidFile(this.spec.pid_file, readPidFile(this.spec.pid_file) ?? -1);
      child = launch(planned.plan, output);
    } catch (error) {
      const what = fd === undefined && this.spec.logs !== null ? `logs ${this.spec.logs}` : `run ${planned.plan.file}`;
      return this.spawnFailed('DPD_SPAWN_FAILED', `${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    } finally {
      if (fd !== undefined) closeQuietly(fd);
    }
    if (child.pid === undefined) {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (run === this.run) this.spawnFailed('DPD_SPAWN_FAILED', `run ${planned.plan.file}: ${error.code ?? error.message}`);
      });
      return;
    }
    child.on('error', (error) => this.report(error));
    const pid = child.pid;
    this.child = child;
    this.startedAt = now;
    child.once('exit', (code, signal) => {
      if (run !== this.run) return;
      if (this.spec.daemon && this.pid !== pid) return this.launcherExited(code, signal);
      this.ended(code, signal);
    });

    if (this.spec.daemon) {
      this.launcherPgid = pid;
      return this.awaitDaemon(run);
    }
    this.pid = this.pgid = pid;
    this.startTime = readProcStat(pid)?.startTime ?? null;
    if (this.spec.write_pid && this.spec.pid_file !== null) {
      try {
        writePidFile(this.spec.pid_file, pid);
      } catch (error) {
        this.report(error, `cannot write pid_file ${this.spec.pid_file}`);
      }
    }
    this.fire('spawned');
  }

  private spawnFailed(code: SupervisorErrorCode, reason: string): void {
    this.reason = reason;
    this.host.emit('proc.error', { name: this.name, error: new SupervisorError(code, `${this.name}: ${reason}`) });
    if (this.state === 'stopping') this.fire(this.stopEvent(0, { code: null, signal: null, timedOut: false, at: this.host.clock.now() }));
    else this.fire('spawn-error');
  }

  // A forking daemon: the launcher exits once it has forked; the daemon's pid
  // comes from pid_file, and from then on /proc is watched.
  private awaitDaemon(run: number): void {
    const pidFile = this.spec.pid_file!;
    const deadline = this.host.clock.now() + this.host.daemonPidTimeoutMs;
    const check = () => {
      if (run !== this.run || this.state !== 'starting') return;
      const pid = readPidFile(pidFile);
      const stat = pid === undefined ? undefined : readProcStat(pid);
      if (pid !== undefined && stat && isAlive(pid)) {
        this.pid = pid;
        this.pgid = stat.pgid;
        this.startTime = stat.startTime;
        this.watchPid(run);
        this.fire('spawned');
      } else if (this.host.clock.now() >= deadline) {
        this.reason = `daemon did not write a live pid to ${pidFile} within ${this.host.daemonPidTimeoutMs} ms`;
        if (this.launcherPgid !== null) signalGroup(this.launcherPgid, 'SIGKILL');
        this.ended(null, null);
      } else {
        this.setTimer('daemon', check, FAST_POLL_MS);
      }
    };
    check();
  }

  private launcherExited(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = null;
    if (code === 0 && this.state === 'starting') return; // forked as planned; the pid file follows
    if (this.state === 'starting' || (this.state === 'stopping' && this.pid === null)) {
      this.reason = `daemon launcher exited with ${signal ?? `code ${code}`} before writing ${this.spec.pid_file}`;
      this.clearTimer('daemon');
      this.ended(code, signal);
    }
  }

  private watchPid(run: number): void {
    this.unwatch?.();
    this.unwatch = this.host.poller.watch(this.pid!, this.startTime!, () => {
      if (run === this.run) this.ended(null, null);
    });
  }

  private live(): void {
    if (this.spec.timeout !== null) {
      const elapsed = this.host.clock.now() - (this.startedAt ?? this.host.clock.now());
      this.armTimeout(Math.max(0, this.spec.timeout - elapsed));
    }
    if (this.pid !== null && this.startTime !== null) {
      this.host.store.set(this.name, { pid: this.pid, pgid: this.pgid ?? this.pid, startTime: this.startTime, startedAt: this.startedAt!, restarts: this.restarts, spec: this.spec });
    }
    if (this.adopted) this.host.emit('proc.adopted', { name: this.name, pid: this.pid!, via: this.adopted });
    else this.host.emit('proc.start', { name: this.name, pid: this.pid!, restarts: this.restarts });
  }

  private armTimeout(ms: number): void {
    this.timeoutDeadline = this.host.clock.now() + ms;
    this.setTimer('timeout', () => {
      this.intent = 'timeout';
      this.reason = `ran longer than its timeout of ${this.spec.timeout} ms`;
      this.fire('timeout');
    }, ms);
  }

  private signalStop(wasPaused: boolean): void {
    this.clearTimer('timeout');
    this.clearTimer('daemon');
    this.send(this.spec.stop_signal);
    if (wasPaused) this.send('SIGCONT'); // a stopped process cannot act on the stop signal
    this.killAt = this.host.clock.now() + this.spec.stop_timeout;
    this.setTimer('kill', () => this.send('SIGKILL'), this.spec.stop_timeout);
    // Not our child (adopted, daemon): no exit event, so look often while
    // stopping. A daemon whose pid is not known yet ends with its launcher.
    if (this.pid !== null && (this.child === null || this.spec.daemon)) this.pollWhileStopping(this.run);
  }

  private pollWhileStopping(run: number): void {
    const check = () => {
      if (run !== this.run || this.state !== 'stopping') return;
      if (!isAlive(this.pid!, this.startTime ?? undefined)) return this.ended(null, null);
      this.setTimer('drain', check, FAST_POLL_MS);
    };
    this.setTimer('drain', check, FAST_POLL_MS);
  }

  private halt(): void {
    this.send('SIGSTOP');
    if (this.timeoutDeadline !== null && this.timers.has('timeout')) {
      // A paused process is not killed by its own timeout: the clock stops with it.
      this.timeoutLeft = Math.max(0, this.timeoutDeadline - this.host.clock.now());
      this.clearTimer('timeout');
    }
    this.host.emit('proc.paused', { name: this.name, pid: this.pid! });
  }

  private proceed(): void {
    this.send('SIGCONT');
    if (this.timeoutLeft !== null) {
      this.armTimeout(this.timeoutLeft);
      this.timeoutLeft = null;
    }
    this.host.emit('proc.resumed', { name: this.name, pid: this.pid! });
  }

  private settle(): void {
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    this.unwatch?.();
    this.unwatch = null;
    this.child = null;
    this.pid = this.pgid = this.launcherPgid = null;
    this.startTime = null;
    this.intent = null;
    this.timeoutDeadline = this.timeoutLeft = null;
    this.host.store.delete(this.name);
    if (this.state === 'gave-up') {
      this.reason = `more than ${this.spec.restart_limit.starts} starts within ${this.spec.restart_limit.within} ms`;
      this.host.emit('proc.gave-up', { name: this.name, starts: this.spec.restart_limit.starts, withinMs: this.spec.restart_limit.within });
    } else if (this.state === 'stopped' || this.state === 'removed') {
      this.host.emit('proc.stop', { name: this.name });
    }
  }

  // ---- the end of a run --------------------------------------------------

  private ended(code: number | null, signal: NodeJS.Signals | null): void {
    const now = this.host.clock.now();
    this.clearTimer('timeout');
    this.clearTimer('daemon');
    this.unwatch?.();
    this.unwatch = null;
    const status: ExitStatus = { code, signal, timedOut: this.intent === 'timeout', at: now };
    const runMs = this.startedAt === null ? 0 : now - this.startedAt;
    this.lastExit = status;
    if (this.pid !== null) {
      this.host.emit('proc.exit', { name: this.name, pid: this.pid, runMs, ...status });
      if (this.spec.write_pid && this.spec.pid_file !== null) removePidFile(this.spec.pid_file, this.pid);
    }
    if (this.state === 'stopping') {
      this.drainGroup(this.run, () => this.fire(this.stopEvent(runMs, status)));
      return;
    }
    // An exit nobody asked for: what is left of its group is orphaned; clear
    // it so the next run starts clean. (A daemon's group is its own business.)
    if (!this.spec.daemon && this.pgid !== null) this.signal(() => signalGroup(this.pgid!, 'SIGKILL'));
    this.fire(this.verdict(status, runMs));
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

  private verdict(status: ExitStatus, runMs: number): ProcEvent {
    const verdict = decideAfterExit(this.spec, status, runMs, this.history, this.host.clock.now());
    if (verdict.event === 'exit:backoff') this.backoffDelay = verdict.delay;
    if (verdict.event === 'exit:restart') this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
    return verdict.event;
  }

  private autoRestart(event: 'backoff-elapsed'): void {
    this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
    this.fire(event);
  }

  // The leader is gone; the rest of its group had the stop signal too and
  // gets until the stop deadline (then SIGKILL) to finish.
  private drainGroup(run: number, done: () => void): void {
    const pgid = this.spec.daemon && this.pgid !== this.pid ? null : this.pgid;
    const check = () => {
      if (run !== this.run) return;
      const now = this.host.clock.now();
      if (pgid === null || !this.signal(() => groupAlive(pgid)) || now > this.killAt + KILL_GRACE_MS) {
        this.clearTimer('kill');
        this.clearTimer('drain');
        return done();
      }
      this.setTimer('drain', check, FAST_POLL_MS);
    };
    check();
  }

  // ---- helpers -----------------------------------------------------------

  /** A signal to the process's group (or to the daemon alone when it leads no group). */
  private send(signal: NodeJS.Signals): void {
    const pgid = this.pgid ?? this.launcherPgid;
    if (pgid !== null && (this.pid === null || pgid === this.pid || !this.spec.daemon)) this.signal(() => signalGroup(pgid, signal));
    else if (this.pid !== null) this.signal(() => signalPid(this.pid!, signal));
  }

  private signal(act: () => boolean): boolean {
    try {
      return act();
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  private report(error: unknown, context?: string): void {
    const wrapped = error instanceof SupervisorError ? error : new SupervisorError('DPD_SPAWN_FAILED', `${this.name}: ${context ?? 'error'}: ${(error as Error).message}`, { cause: error });
    this.host.emit('proc.error', { name: this.name, error: wrapped });
  }

  private setTimer(name: TimerName, fn: () => void, ms: number): void {
    this.clearTimer(name);
    // Node fires any delay above 2^31-1 ms at once; longer ones are chained.
    const step = Math.min(ms, MAX_TIMER_MS);
    this.timers.set(name, this.host.clock.setTimeout(() => {
      this.timers.delete(name);
      if (ms > MAX_TIMER_MS) this.setTimer(name, fn, ms - MAX_TIMER_MS);
      else fn();
    }, step));
  }

  private clearTimer(name: TimerName): void {
    const handle = this.timers.get(name);
    if (handle === undefined) return;
    this.host.clock.clearTimeout(handle);
    this.timers.delete(name);
  }

  /** Lets the supervisor's process exit while this one runs on (close without stopping). */
  detach(): void {
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    this.unwatch?.();
    this.unwatch = null;
    this.child?.unref();
    this.child?.removeAllListeners('exit');
    this.run += 1;
  }
}
