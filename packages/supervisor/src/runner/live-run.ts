// A live run: its `timeout` clock, pausing and resuming it (SIGSTOP and
// SIGCONT to its group, the clock stopping with it), and the load gate that
// asks for both.
import { LoadGate } from '@diprocd/loadgate';
import type { ProcessCore } from './process-core.js';
import type { Run } from './run.js';

/** Fires `timeout` after `ms` of running. */
export function armTimeout(proc: ProcessCore, run: Run, ms: number): void {
  run.timeout.deadline = proc.host.clock.now() + ms;
  run.setTimer(
    'timeout',
    () => {
      run.timeout.timedOut = true;
      proc.reason = `ran longer than its timeout of ${proc.spec.timeout} ms`;
      proc.fire('timeout');
    },
    ms,
  );
}

export function halt(proc: ProcessCore): void {
  const run = proc.run!;
  run.send('SIGSTOP');
  if (run.timeout.deadline !== null && run.hasTimer('timeout')) {
    // A paused process is not killed by its own timeout: the clock stops with it.
    run.timeout.left = Math.max(0, run.timeout.deadline - proc.host.clock.now());
    run.clearTimer('timeout');
  }
  proc.host.emit('proc.paused', { name: proc.name, pid: run.target!.pid });
}

export function proceed(proc: ProcessCore): void {
  const run = proc.run!;
  run.send('SIGCONT');
  if (run.timeout.left !== null) {
    armTimeout(proc, run, run.timeout.left);
    run.timeout.left = null;
  }
  proc.host.emit('proc.resumed', { name: proc.name, pid: run.target!.pid });
}

/**
 * The load gate of the `load` key (one per process, replaced when its
 * settings change): `load-high` while the load is above pause_above,
 * `load-low` at or below resume_below.
 */
export class LoadControl {
  private current: { key: string; gate: LoadGate } | null = null;

  constructor(private readonly proc: ProcessCore) {}

  /** The gate for the spec's `load` key (started, or kept if its settings did not change); null without one. */
  gate(): LoadGate | null {
    const load = this.proc.spec.load;
    const key = JSON.stringify(load);
    if (this.current?.key === key) return this.current.gate;
    this.stop();
    if (load === null) return null;
    const gate = new LoadGate({
      pauseAbove: load.pause_above,
      resumeBelow: load.resume_below,
      intervalMs: load.interval,
      sampler: this.proc.host.loadSamplers[load.source],
    });
    gate.add({ pause: () => this.proc.fire('load-high'), resume: () => this.proc.fire('load-low') });
    this.current = { key, gate: gate.start() };
    return gate;
  }

  /** No load sampling until the next run asks again. */
  stop(): void {
    this.current?.gate.stop();
    this.current = null;
  }
}
