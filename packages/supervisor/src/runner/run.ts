// One run of a process, from spawn (or adoption) to its end: its child,
// what is watched and signalled, its timers. A Run is dropped when the run
// ends, so nothing of a run can act on the next.
import type { Clock } from '../clock.js';
import type { ExitStatus } from '../events.js';
import type { Child } from '../os/launch.js';
import { signalGroup, signalPid } from '../os/signals.js';
import type { Target } from '../os/target.js';

export type RunTimer = 'timeout' | 'daemon' | 'stop';

// How often a process that sends no exit event (a stopping one, a daemon's pid file) is looked at.
export const FAST_POLL_MS = 20;
// Node fires any delay above 2^31-1 ms at once; longer ones are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Run {
  /**
   * Our child (being started, or running): the program, or a forking daemon's launcher; null once it exited (or when
   * adopted).
   */
  child: Child | null = null;
  /** A forking daemon's launcher: its pid, kept after it exited (proc.exit names it when no daemon was found). */
  launcherPid: number | null = null;
  /** A forking daemon's launcher /proc start time. */
  launcherStart: string | null = null;
  private launcherGroup: number | null = null;
  /** What is watched and signalled: the program (for a daemon, once its pid file names it). */
  target: Target | null = null;
  /** The uid the program runs as (a daemon's pid file must name a process of that uid). */
  uid: number | undefined;
  /** How the leader exited, when we saw it (our own child only). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** Nothing of the group the leader led is left to clear (the spawner saw it empty, or a stop ended). */
  groupEmpty = false;
  /** Why the run ended, when it is not told by its exit (a daemon that wrote no pid file). */
  failure: string | null = null;
  /** The `timeout` clock: when it fires, and what was left of it when the run was paused. */
  readonly timeout = { timedOut: false, deadline: null as number | null, left: null as number | null };
  /** While stopping: when SIGKILL follows, and whether it was sent. */
  stop: { killAt: number; killed: boolean } | null = null;
  unwatch: (() => void) | null = null;
  private readonly timers = new Map<RunTimer, unknown>();

  constructor(
    private readonly clock: Clock,
    readonly startedAt: number,
    /** Called with an error a signal raised (the run goes on). */
    private readonly onSignalError: (error: unknown) => void,
  ) {}

  /** A signal to the target (its group when it leads one), and to a daemon's launcher group. */
  send(signal: NodeJS.Signals): void {
    const target = this.target;
    if (target) this.signal(() => (target.pgid ? signalGroup(target.pgid, signal) : signalPid(target.pid, signal)));
    const launcher = this.launcherPgid;
    if (launcher !== null) this.signal(() => signalGroup(launcher, signal));
  }

  /** Runs a signalling act; false (and reported) when it throws. */
  signal(act: () => boolean): boolean {
    try {
      return act();
    } catch (error) {
      this.onSignalError(error);
      return false;
    }
  }

  /** A forking daemon's launcher's group while it may still be signalled (null once it exited). */
  get launcherPgid(): number | null {
    return this.launcherGroup;
  }
  set launcherPgid(pgid: number | null) {
    this.launcherGroup = pgid;
    if (pgid !== null) this.launcherPid = pgid; // it leads its group
  }

  status(reason: string, tail: string[]): ExitStatus {
    return {
      code: this.exit?.code ?? null,
      signal: this.exit?.signal ?? null,
      timedOut: this.timeout.timedOut,
      at: this.clock.now(),
      reason,
      tail,
    };
  }

  setTimer(name: RunTimer, fn: () => void, ms: number): void {
    this.clearTimer(name);
    const step = Math.min(ms, MAX_TIMER_MS);
    this.timers.set(
      name,
      this.clock.setTimeout(() => {
        this.timers.delete(name);
        if (ms > MAX_TIMER_MS) this.setTimer(name, fn, ms - MAX_TIMER_MS);
        else fn();
      }, step),
    );
  }

  hasTimer(name: RunTimer): boolean {
    return this.timers.has(name);
  }

  clearTimer(name: RunTimer): void {
    const handle = this.timers.get(name);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.timers.delete(name);
  }

  /** Clears its timers and stops watching it. */
  close(): void {
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    this.unwatch?.();
    this.unwatch = null;
  }
}
