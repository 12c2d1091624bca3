// One supervised process: commands and what happens to its run become
// events for the state machine (state/machine.ts), and the actions the
// machine names are run here. Only `fire()` changes the state; no method
// decides from the state itself.
import { LoadGate, type Sampler } from '@diprocd/loadgate';
import type { LoadSource, Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import { SupervisorError, type SupervisorErrorCode } from '../errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from '../events.js';
import { readPidFile, removePidFile, writePidFile } from '../os/atomic-file.js';
import { planExec, targetUid, type ExecContext } from '../os/exec-plan.js';
import { pathFailure } from '../os/safe-path.js';
import type { Spawner } from '../os/launch.js';
import { readProcStat } from '../os/proc-stat.js';
import { signalGroup, signalPid } from '../os/signals.js';
import { targetOf } from '../os/target.js';
import { decideAfterExit, recentStarts, type RestartHistory } from '../policy/restart-policy.js';
import { isLive, shownAs, transition, type Action, type Edge, type ProcEvent, type ProcState, type ShownState } from '../state/machine.js';
import { specDigest, stopFields } from '../store/record-spec.js';
import type { ProcRecord, StateStore } from '../store/state-store.js';
import { awaitDaemon, daemonTarget, type DaemonHost } from './daemon-wait.js';
import { LogOutput, type Unlogged } from './log-output.js';
import type { Poller } from './poller.js';
import { Run } from './run.js';
import { beginStop, checkStop, stopSpawned, type StopHost } from './stop-escalation.js';

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

export class ManagedProcess {
  lastExit: ExitStatus | null = null;
  reason: string | null = null;
  adopted: 'state' | 'pid_file' | null = null;
  readonly history: RestartHistory = { starts: [], quickFailures: 0 };

  private current: ProcState = 'idle';
  private run: Run | null = null;
  /** Runs begun (an adopted one counts): every one after the first is a restart. */
  private runs = 0;
  /** A changed spec, taken by the next run (or at once by a process that is down). */
  private nextSpec: Proc | undefined;
  private backoffDelay = 0;
  private backoffTimer: unknown;
  private respawnTimer: NodeJS.Immediate | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly logs: LogOutput;
  private gate: { key: string; gate: LoadGate } | null = null;
  private readonly stopHost: StopHost;
  private readonly daemonHost: DaemonHost;

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
    const self = this;
    this.stopHost = {
      get spec() {
        return self.spec;
      },
      clock: host.clock,
      daemonTarget: (run) => daemonTarget(run, this.spec),
      stuck: (reason) => {
        this.reason = reason;
        this.report('DPD_SIGNAL_FAILED', new Error(reason));
      },
      done: () => this.fire('stop-done'),
    };
    this.daemonHost = {
      get spec() {
        return self.spec;
      },
      clock: host.clock,
      daemonPidTimeoutMs: host.daemonPidTimeoutMs,
      found: (run) => {
        this.watchTarget(run);
        this.fire('spawned');
      },
      late: () => this.fire('exit'),
    };
  }

  get name(): string {
    return this.spec.name;
  }
  /** The state as status() shows it (the machine's own state, with its variants folded). */
  get state(): ShownState {
    return shownAs(this.current);
  }
  get restarts(): number {
    return Math.max(0, this.runs - 1);
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

  // ---- commands: each is one event ----------------------------------------

  /** Starts it unless it is live; an operator's start forgets earlier failures. */
  start(): void {
    this.fire('start');
  }
  /** Holds it until its dependencies run. */
  hold(): void {
    this.fire('wait');
  }
  stop(how: 'stop' | 'remove' = 'stop'): void {
    this.fire(how);
  }
  /** Stops and starts it again (with a changed spec if one is pending), or starts it if it is down. */
  restart(): void {
    this.fire('restart');
  }
  /** Forgets the restart history; a process that is down for a failure starts again. */
  reset(): void {
    this.fire('reset');
  }
  pause(): void {
    this.fire('pause');
  }
  resume(): void {
    this.fire('resume');
  }

  /**
   * A changed definition from apply(): live processes restart with it,
   * failed ones try again, a stopped one stays stopped. `ready` says whether
   * its dependencies run (a waiting process starts once they do). True when
   * the process moves (restarts or starts), false when only its spec changed.
   */
  update(spec: Proc, ready: boolean): boolean {
    this.nextSpec = spec;
    return this.fire(ready ? 'update' : 'update-unready').action !== 'take-spec';
  }

  /** Takes over a process an earlier supervisor started. */
  adopt(record: Pick<ProcRecord, 'pid' | 'startedAt' | 'restarts'>, via: 'state' | 'pid_file'): boolean {
    const target = targetOf(record.pid);
    if (!target) return false;
    // A process left paused (SIGSTOP) by the earlier supervisor is woken;
    // the load gate pauses it again if the load is still high.
    if (readProcStat(record.pid)?.state === 'T') target.pgid ? signalGroup(target.pgid, 'SIGCONT') : signalPid(target.pid, 'SIGCONT');
    const run = this.newRun(record.startedAt);
    run.target = target;
    run.uid = targetUid(this.spec, this.host.ctx); // its pid file is removed as any other's
    this.run = run;
    this.runs = record.restarts + 1;
    this.adopted = via;
    this.watchTarget(run);
    this.fire('adopt');
    return true;
  }

  /** Sends `signal` to the running process's group, or to its log_pipe command; false when nothing runs there. */
  sendSignal(signal: NodeJS.Signals, target: 'process' | 'log'): boolean {
    if (target === 'log') return this.logs.signal(signal);
    const run = this.run;
    if (!run?.target || !isLive(this.current)) return false;
    run.send(signal);
    return true;
  }

  /** Resolves once `done(state)` holds for the shown state (checked now and after every transition). */
  until(done: (state: ShownState) => boolean): Promise<void> {
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

  /** Lets the supervisor's process exit while this one runs on (close without stopping). */
  detach(): void {
    this.cancelPending();
    this.logs.detach();
    this.stopGate();
    const run = this.run;
    if (!run) return;
    run.close();
    run.child?.detach();
    this.run = null;
  }

  // ---- the machine --------------------------------------------------------

  /** Applies `event` through the transition table and runs the action it names. */
  private fire(event: ProcEvent): Edge {
    const from = this.current;
    const edge = transition(this.name, from, event);
    this.current = edge.to;
    if (shownAs(from) !== shownAs(edge.to)) this.host.emit('proc.state', { name: this.name, from: shownAs(from), to: shownAs(edge.to) });
    this.perform(edge.action);
    this.host.changed(this);
    for (const listener of [...this.listeners]) listener();
    return edge;
  }

  private perform(action: Action): void {
    switch (action) {
      case 'none':
        return;
      case 'spawn':
        return this.spawn();
      case 'fresh-start':
        this.forgetFailures();
        return this.spawn();
      case 'respawn':
        return this.respawn();
      case 'take-spec':
        this.spec = this.nextSpec ?? this.spec;
        this.nextSpec = undefined;
        return;
      case 'forget':
        return this.forgetFailures();
      case 'await-pid':
        return awaitDaemon(this.run!, this.daemonHost);
      case 'watch':
        return this.onLive();
      case 'signal-stop':
        return beginStop(this.run!, this.stopHost, false);
      case 'stop-paused':
        return beginStop(this.run!, this.stopHost, true);
      case 'stop-spawned':
        return stopSpawned(this.run!, this.stopHost);
      case 'check-stop':
        return checkStop(this.run!, this.stopHost);
      case 'judge':
        return this.judge();
      case 'schedule-restart':
        return this.scheduleRestart();
      case 'halt':
        return this.halt();
      case 'continue':
        return this.proceed();
      case 'cancel':
        return this.cancelPending();
      case 'settle':
        return this.settle();
      case 'give-up':
        this.settle();
        this.reason = `more than ${this.spec.restart_limit.starts} starts within ${this.spec.restart_limit.within} ms`;
        this.host.emit('proc.gave-up', { name: this.name, starts: this.spec.restart_limit.starts, withinMs: this.spec.restart_limit.within });
        return;
      case 'stand-down':
        this.settle();
        this.host.emit('proc.stop', { name: this.name });
        return;
      case 'retire':
        this.settle();
        this.logs.end(); // gone for good: its log relay ends
        this.host.emit('proc.stop', { name: this.name });
        return;
    }
  }

  private forgetFailures(): void {
    this.history.starts = [];
    this.history.quickFailures = 0;
  }

  private newRun(startedAt: number): Run {
    return new Run(this.host.clock, startedAt, (error) => this.report('DPD_SIGNAL_FAILED', error));
  }

  // ---- starting -----------------------------------------------------------

  private spawn(): void {
    this.cancelPending();
    if (this.nextSpec) {
      this.spec = this.nextSpec;
      this.nextSpec = undefined;
    }
    const now = this.host.clock.now();
    this.runs += 1;
    this.reason = null;
    this.adopted = null;
    this.history.starts = [...recentStarts(this.history, this.spec.restart_limit.within, now), now];

    const planned = planExec(this.spec, this.host.ctx);
    if (!planned.ok) return this.spawnFailed(planned.code, planned.reason);

    const output = this.logs.prepare(this.spec, this.host.unlogged, planned.plan.uid);
    if (!output.ok) return this.spawnFailed(output.code, output.reason);
    const run = this.newRun(now);
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

  /** After a run ended: the next is spawned on the next turn, so a crash loop cannot starve the event loop. */
  private respawn(): void {
    if (this.run) this.endRun(this.run);
    this.respawnTimer = setImmediate(() => {
      this.respawnTimer = undefined;
      this.fire('respawn-due');
    });
  }

  private cancelPending(): void {
    if (this.respawnTimer !== undefined) clearImmediate(this.respawnTimer);
    this.respawnTimer = undefined;
    if (this.backoffTimer !== undefined) this.host.clock.clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
  }

  private scheduleRestart(): void {
    this.host.store.delete(this.name);
    this.host.emit('proc.backoff', { name: this.name, delayMs: this.backoffDelay });
    this.backoffTimer = this.host.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
      this.fire('backoff-elapsed');
    }, this.backoffDelay);
  }

  private spawned(run: Run, pid: number, knownStart: string | undefined): void {
    if (this.run !== run) {
      // Given up on while it was being started: it must not run unsupervised.
      run.signal(() => signalGroup(pid, 'SIGKILL'));
      return;
    }
    const startTime = knownStart ?? readProcStat(pid)?.startTime ?? '0';
    if (this.spec.daemon) {
      run.launcherPgid = pid;
      run.launcherStart = startTime;
      return void this.fire('launched');
    }
    run.target = { pid, pgid: pid, startTime };
    if (this.spec.write_pid && this.spec.pid_file !== null) {
      try {
        writePidFile(this.spec.pid_file, pid, run.uid);
      } catch (error) {
        this.report('DPD_SPAWN_FAILED', error, `cannot write pid_file ${this.spec.pid_file}`);
      }
    }
    this.fire('spawned');
  }

  /** Our child is no longer our child (the spawn helper is gone): watch it as an adopted one. */
  private childLost(run: Run): void {
    if (this.run !== run) return;
    run.child = null;
    if (run.target) this.watchTarget(run);
    this.fire('lost');
  }

  private spawnFailed(code: SupervisorErrorCode, reason: string): void {
    this.reason = reason;
    this.host.emit('proc.error', { name: this.name, error: new SupervisorError(code, `${this.name}: ${reason}`) });
    this.run?.close();
    this.run = null;
    this.fire('spawn-error');
  }

  private childExited(run: Run, code: number | null, signal: NodeJS.Signals | null, groupLeft?: boolean): void {
    if (this.run !== run) return;
    run.child = null;
    if (this.spec.daemon) {
      if (run.target !== null) return; // the launcher of a daemon already found
      run.launcherPgid = null;
      if (code === 0) return void this.fire('forked'); // as planned; the pid file follows
      run.failure = `daemon launcher exited with ${signal ?? `code ${code}`} before writing ${this.spec.pid_file}`;
    } else {
      run.groupEmpty = groupLeft === false;
    }
    run.exit = { code, signal };
    this.fire('exit');
  }

  private watchTarget(run: Run): void {
    const target = run.target!;
    run.unwatch = this.host.poller.watch(target.pid, target.startTime, () => {
      if (this.run === run) this.fire('exit');
    });
  }

  // ---- running ------------------------------------------------------------

  private onLive(): void {
    const run = this.run!;
    if (this.spec.timeout !== null) this.armTimeout(run, Math.max(0, this.spec.timeout - (this.host.clock.now() - run.startedAt)));
    const target = run.target!;
    this.host.store.set(this.name, { pid: target.pid, startTime: target.startTime, startedAt: run.startedAt, restarts: this.restarts, digest: specDigest(this.spec), stop: stopFields(this.spec) });
    if (this.adopted) this.host.emit('proc.adopted', { name: this.name, pid: target.pid, via: this.adopted });
    else this.host.emit('proc.start', { name: this.name, pid: target.pid, restarts: this.restarts });
    // A run that starts while the machine is overloaded starts paused (a
    // new gate pauses it as it adds it; an existing one is asked here).
    if (this.loadGate()?.paused) this.fire('load-high');
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
    this.stopGate();
    if (load === null) return null;
    const gate = new LoadGate({ pauseAbove: load.pause_above, resumeBelow: load.resume_below, intervalMs: load.interval, sampler: this.host.loadSamplers[load.source] });
    gate.add({ pause: () => this.fire('load-high'), resume: () => this.fire('load-low') });
    this.gate = { key, gate: gate.start() };
    return gate;
  }

  private stopGate(): void {
    this.gate?.gate.stop();
    this.gate = null;
  }

  private armTimeout(run: Run, ms: number): void {
    run.timeout.deadline = this.host.clock.now() + ms;
    run.setTimer('timeout', () => {
      run.timeout.timedOut = true;
      this.reason = `ran longer than its timeout of ${this.spec.timeout} ms`;
      this.fire('timeout');
    }, ms);
  }

  private halt(): void {
    const run = this.run!;
    run.send('SIGSTOP');
    if (run.timeout.deadline !== null && run.hasTimer('timeout')) {
      // A paused process is not killed by its own timeout: the clock stops with it.
      run.timeout.left = Math.max(0, run.timeout.deadline - this.host.clock.now());
      run.clearTimer('timeout');
    }
    this.host.emit('proc.paused', { name: this.name, pid: this.pid! });
  }

  private proceed(): void {
    const run = this.run!;
    run.send('SIGCONT');
    if (run.timeout.left !== null) {
      this.armTimeout(run, run.timeout.left);
      run.timeout.left = null;
    }
    this.host.emit('proc.resumed', { name: this.name, pid: this.pid! });
  }

  // ---- the end of a run ---------------------------------------------------

  /** Records how the run ended, clears what is left of a group it led, and drops it. */
  private endRun(run: Run): { status: ExitStatus; runMs: number } {
    const status = run.status();
    const runMs = this.host.clock.now() - run.startedAt;
    this.lastExit = status;
    const target = run.target;
    if (target) {
      this.host.emit('proc.exit', { name: this.name, pid: target.pid, runMs, ...status });
      if (this.spec.write_pid && this.spec.pid_file !== null) {
        try {
          removePidFile(this.spec.pid_file, target.pid, run.uid);
        } catch (error) {
          this.report('DPD_SPAWN_FAILED', error, `cannot remove pid_file ${this.spec.pid_file}`);
        }
      }
    }
    // What is left of a group that ended unasked is orphaned; clear it so
    // the next run starts clean. (Only a group the program led; a daemon's
    // group is its own business.) Not when it is known empty: the signal
    // would cost the restart a failed kill().
    const pgid = target?.pgid;
    if (!this.spec.daemon && pgid && !run.groupEmpty) run.signal(() => signalGroup(pgid, 'SIGKILL'));
    run.close();
    if (this.run === run) this.run = null;
    return { status, runMs };
  }

  /** The run ended unasked (or was stopped for its timeout): the restart policy decides what follows. */
  private judge(): void {
    const run = this.run!;
    if (run.failure) this.reason = run.failure;
    const { status, runMs } = this.endRun(run);
    const verdict = decideAfterExit(this.spec, status, runMs, this.history, this.host.clock.now());
    if (verdict.event === 'exit:backoff') this.backoffDelay = verdict.delay;
    if (verdict.event === 'exit:restart') this.host.emit('proc.restart', { name: this.name, restarts: this.restarts + 1 });
    this.fire(verdict.event);
  }

  /** Nothing runs now and nothing follows: no record, no timers, no load sampling until the next run. */
  private settle(): void {
    this.cancelPending();
    if (this.run) this.endRun(this.run);
    this.stopGate();
    this.host.store.delete(this.name);
  }

  /** Emits proc.error; one of our coded errors keeps its code (DPD_UNSAFE_PATH), and is prefixed with `context` when given. */
  private report(code: SupervisorErrorCode, error: unknown, context?: string): void {
    const coded = error instanceof SupervisorError;
    const wrapped = coded && !context ? error : new SupervisorError(coded ? error.code : code, `${this.name}: ${context ? `${context}: ` : ''}${(error as Error).message}`, { cause: error });
    this.host.emit('proc.error', { name: this.name, error: wrapped });
  }
}
