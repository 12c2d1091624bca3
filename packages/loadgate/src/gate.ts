// A gate samples a load signal every interval and pauses or resumes its
// targets as the hysteresis decides. It knows nothing of processes: a
// target is anything with pause() and resume().
import { shouldPause, type Thresholds } from './decide.js';
import type { Sampler } from './sources.js';

/** What a gate acts on. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Timers, injected so tests run on fake time. */
export interface GateClock {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface LoadGateOptions {
  /** Pause above this load. */
  pauseAbove: number;
  /** Resume at or below this load. Default: half of pauseAbove. */
  resumeBelow?: number;
  /** How often to sample. Default 1000 ms. */
  intervalMs?: number;
  /** The load signal. */
  sampler: Sampler;
  clock?: GateClock;
}

const systemClock: GateClock = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export class LoadGate {
  private readonly thresholds: Thresholds;
  private readonly targets = new Set<Pausable>();
  private readonly clock: GateClock;
  private timer: unknown;
  private state = false;
  /** The last load sampled (undefined before the first sample or when unknown). */
  lastLoad: number | undefined;

  /** @throws RangeError when resumeBelow is above pauseAbove. */
  constructor(private readonly options: LoadGateOptions) {
    const resumeBelow = options.resumeBelow ?? options.pauseAbove / 2;
    if (resumeBelow > options.pauseAbove)
      throw new RangeError(`resumeBelow (${resumeBelow}) is above pauseAbove (${options.pauseAbove})`);
    this.thresholds = { pauseAbove: options.pauseAbove, resumeBelow };
    this.clock = options.clock ?? systemClock;
  }

  /** True while the load keeps the gate closed: targets should be paused. */
  get paused(): boolean {
    return this.state;
  }

  /** Starts sampling (and samples once at once). */
  start(): this {
    if (this.timer === undefined) {
      this.sample();
      this.timer = this.clock.setInterval(() => this.sample(), this.options.intervalMs ?? 1000);
    }
    return this;
  }

  /** Stops sampling; targets stay as they are. */
  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Adds a target; it is paused at once if the gate is closed. */
  add(target: Pausable): void {
    this.targets.add(target);
    if (this.state) target.pause();
  }

  remove(target: Pausable): void {
    this.targets.delete(target);
  }

  /** Samples the load now and pauses or resumes the targets if the gate changes. */
  sample(): void {
    this.lastLoad = this.options.sampler();
    const next = shouldPause(this.state, this.lastLoad, this.thresholds);
    if (next === this.state) return;
    this.state = next;
    for (const target of [...this.targets]) {
      if (next) target.pause();
      else target.resume();
    }
  }
}
