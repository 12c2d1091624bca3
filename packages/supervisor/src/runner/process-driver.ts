// Drives one process's state machine: fire() applies an event through the
// table in state/machine.ts and runs the action its cell names. Only fire()
// changes the state; nothing here decides from the state itself. The
// commands (ManagedProcess) and the run's helpers (run-start, live-run,
// stop-escalation, daemon-wait, run-end) tell it what happened.
import type { Proc } from '@diprocd/procspec/runtime';
import { SupervisorError, type SupervisorErrorCode } from '../errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from '../events.js';
import { decideAfterExit, recentStarts, type RestartHistory } from '../policy/restart-policy.js';
import {
  shownAs,
  transition,
  type Action,
  type Edge,
  type ProcEvent,
  type ProcState,
  type ShownState,
} from '../state/machine.js';
import { specDigest, stopFields } from '../store/record-spec.js';
import { awaitDaemon } from './daemon-wait.js';
import { armTimeout, halt, LoadControl, proceed } from './live-run.js';
import { LogOutput } from './log-output.js';
import type { ProcessCore, ProcessHost } from './process-core.js';
import type { Run } from './run.js';
import { endRun } from './run-end.js';
import { EventQueue } from './event-queue.js';
import { launch } from './run-start.js';
import { beginStop, checkStop, stopSpawned } from './stop-escalation.js';

export abstract class ProcessDriver implements ProcessCore {
  lastExit: ExitStatus | null = null;
  reason: string | null = null;
  adopted: 'state' | 'pid_file' | null = null;
  readonly history: RestartHistory = { starts: [], quickFailures: 0 };
  run: Run | null = null;
  ended: { status: ExitStatus; runMs: number } | null = null;
  readonly logs: LogOutput;

  protected current: ProcState = 'idle';
  /** Runs begun since the first or the last reset (an adopted one counts): every one after the first is a restart. */
  protected runs = 0;
  /** A changed spec, taken by the next run (or at once by a process that is down). */
  protected nextSpec: Proc | undefined;
  protected readonly load = new LoadControl(this);
  private readonly listeners = new Set<() => void>();
  backoffDelay = 0;
  private backoffTimer: unknown;
  private respawnTimer: NodeJS.Immediate | undefined;
  /** This process's events, in order (some may wait for a run's last lines). */
  private readonly events: EventQueue;
  /** The owner's host, but this process's events go out through the queue, in order. */
  readonly host: ProcessHost;

  constructor(
    public spec: Proc,
    private readonly owner: ProcessHost,
  ) {
    this.events = new EventQueue((event, payload) => owner.emit(event, payload));
    this.host = {
      ...owner,
      emit: <E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]) => this.events.tell(event, payload),
    };
    this.logs = new LogOutput(owner.ctx, {
      started: ({ pid, command }) => command && this.host.emit('proc.log-start', { name: this.name, pid }),
      exited: ({ pid, command, code, signal, inUse }) => {
        if (command) this.host.emit('proc.log-exit', { name: this.name, pid, code, signal });
        const what = command ? 'log_pipe command' : 'log relay';
        if (inUse)
          this.report(
            'DPD_SPAWN_FAILED',
            new Error(`${what} exited with ${signal ?? `code ${code}`}; the next run starts another`),
          );
      },
      dropped: (file, report) => this.host.emit('proc.log-dropped', { name: this.name, file, ...report }),
    });
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

  /** Tells the owner after every transition (dependants may now start). */
  protected abstract changed(): void;

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

  // ---- events, in order ---------------------------------------------------

  /** This process's events from now on wait until `until` settles (the last lines of a run, for its proc.exit). */
  holdEvents(until: Promise<unknown>): void {
    this.events.hold(until);
  }

  /** Resolves once every event held now has been told (at most the hold's wait: a second). */
  told(): Promise<void> {
    return this.events.told();
  }

  /** Tells every event held now, without waiting (the supervisor closes: none may be lost). */
  protected tellHeld(): void {
    this.events.tellAll();
  }

  // ---- the machine --------------------------------------------------------

  /** Applies `event` through the transition table and runs the action it names. */
  fire(event: ProcEvent): Edge {
    const from = this.current;
    const edge = transition(this.name, from, event);
    this.current = edge.to;
    if (shownAs(from) !== shownAs(edge.to))
      this.host.emit('proc.state', { name: this.name, from: shownAs(from), to: shownAs(edge.to) });
    this.actions[edge.action]();
    this.changed();
    for (const listener of [...this.listeners]) listener();
    return edge;
  }

  /** What each action does. */
  private readonly actions: Record<Action, () => void> = {
    none: () => undefined,
    spawn: () => this.spawn(),
    'fresh-start': () => {
      this.forgetFailures();
      this.spawn();
    },
    respawn: () => this.respawn(),
    'take-spec': () => this.takeSpec(),
    forget: () => this.forgetFailures(),
    'await-pid': () => awaitDaemon(this),
    watch: () => this.onLive(),
    'signal-stop': () => beginStop(this, false),
    'stop-paused': () => beginStop(this, true),
    'stop-spawned': () => stopSpawned(this),
    'check-stop': () => checkStop(this),
    judge: () => this.judge(),
    'schedule-restart': () => this.scheduleRestart(),
    halt: () => halt(this),
    continue: () => proceed(this),
    cancel: () => this.cancelPending(),
    settle: () => this.settle(),
    'give-up': () => {
      this.settle();
      this.reason = `more than ${this.spec.restart_limit.starts} starts within ${this.spec.restart_limit.within} ms`;
      this.host.emit('proc.gave-up', {
        name: this.name,
        starts: this.spec.restart_limit.starts,
        withinMs: this.spec.restart_limit.within,
      });
    },
    'stand-down': () => {
      this.settle();
      this.host.emit('proc.stop', { name: this.name });
    },
    retire: () => {
      this.settle();
      this.logs.end(); // gone for good: its log relay ends
      this.host.emit('proc.stop', { name: this.name });
    },
  };

  private takeSpec(): void {
    this.spec = this.nextSpec ?? this.spec;
    this.nextSpec = undefined;
  }

  private forgetFailures(): void {
    this.history.starts = [];
    this.history.quickFailures = 0;
  }

  /**
   * After a reset: the restarts are counted from 0 again (the run under way, or else the next, is the first), in
   * status() and in the state record.
   */
  protected forgetRestarts(): void {
    this.runs = this.run ? 1 : 0;
    const record = this.host.store.get(this.name);
    if (record && record.restarts !== 0) this.host.store.set(this.name, { ...record, restarts: 0 });
  }

  // ---- starting -----------------------------------------------------------

  private spawn(): void {
    this.cancelPending();
    this.takeSpec();
    const now = this.host.clock.now();
    this.runs += 1;
    this.reason = null;
    this.adopted = null;
    this.history.starts = [...recentStarts(this.history, this.spec.restart_limit.within, now), now];
    launch(this, now);
  }

  /** After a run ended: the next is spawned on the next turn, so a crash loop cannot starve the event loop. */
  private respawn(): void {
    if (this.run) endRun(this, this.run);
    this.ended = null;
    this.respawnTimer = setImmediate(() => {
      this.respawnTimer = undefined;
      this.fire('respawn-due');
    });
  }

  protected cancelPending(): void {
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
      this.host.emit('proc.restart', { name: this.name, restarts: this.runs });
      this.fire('backoff-elapsed');
    }, this.backoffDelay);
  }

  // ---- running ------------------------------------------------------------

  private onLive(): void {
    const run = this.run!;
    if (this.spec.timeout !== null)
      armTimeout(this, run, Math.max(0, this.spec.timeout - (this.host.clock.now() - run.startedAt)));
    const target = run.target!;
    this.host.store.set(this.name, {
      pid: target.pid,
      startTime: target.startTime,
      startedAt: run.startedAt,
      restarts: this.restarts,
      digest: specDigest(this.spec),
      stop: stopFields(this.spec),
      lastExit: this.lastExit,
    });
    if (this.adopted) this.host.emit('proc.adopted', { name: this.name, pid: target.pid, via: this.adopted });
    else this.host.emit('proc.start', { name: this.name, pid: target.pid, restarts: this.restarts });
    // A run that starts while the machine is overloaded starts paused (a
    // new gate pauses it as it adds it; an existing one is asked here).
    if (this.load.gate()?.paused) this.fire('load-high');
  }

  // ---- the end of a run ---------------------------------------------------

  /** The run ended unasked (or was stopped for its timeout): the restart policy decides what follows. */
  private judge(): void {
    const { status, runMs } = this.ended ?? endRun(this, this.run!);
    this.ended = null;
    const verdict = decideAfterExit(this.spec, status, runMs, this.history, this.host.clock.now());
    // A failure is why it is down (or waits): its exit in words, unless its timeout already said why.
    if (verdict.event !== 'exit:done') this.reason ??= status.reason;
    if (verdict.event === 'exit:backoff') this.backoffDelay = verdict.delay;
    if (verdict.event === 'exit:restart') this.host.emit('proc.restart', { name: this.name, restarts: this.runs });
    this.fire(verdict.event);
  }

  /** Nothing runs now and nothing follows: no record, no timers, no load sampling until the next run. */
  private settle(): void {
    this.cancelPending();
    if (this.run) endRun(this, this.run);
    this.ended = null;
    this.load.stop();
    this.host.store.delete(this.name);
  }

  /**
   * Emits proc.error; one of our coded errors keeps its code (DPD_UNSAFE_PATH), and is prefixed with `context` when
   * given.
   */
  report(code: SupervisorErrorCode, error: unknown, context?: string): void {
    const coded = error instanceof SupervisorError;
    const wrapped =
      coded && !context
        ? error
        : new SupervisorError(
            coded ? error.code : code,
            `${this.name}: ${context ? `${context}: ` : ''}${(error as Error).message}`,
            { cause: error },
          );
    this.host.emit('proc.error', { name: this.name, error: wrapped });
  }
}
