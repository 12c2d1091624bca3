// The gate's logic on fake time and a scripted load.
import { describe, expect, it } from 'vitest';
import { LoadGate, SOURCES, shouldPause, type GateClock } from '@diprocd/loadgate';

/** A clock whose intervals run only when told. */
function fakeClock() {
  const intervals = new Set<() => void>();
  const clock: GateClock = {
    setInterval: (fn) => (intervals.add(fn), fn),
    clearInterval: (handle) => intervals.delete(handle as () => void),
  };
  return { clock, tick: () => intervals.forEach((fn) => fn()), active: () => intervals.size };
}

describe('shouldPause', () => {
  const t = { pauseAbove: 4, resumeBelow: 2 };
  it('pauses only above pauseAbove and resumes only at or below resumeBelow', () => {
    expect([4, 4.01].map((load) => shouldPause(false, load, t))).toEqual([false, true]);
    expect([2.01, 3, 4.5, 2].map((load) => shouldPause(true, load, t))).toEqual([true, true, true, false]);
  });
  it('changes nothing on an unknown load', () => {
    expect([
      shouldPause(true, undefined, t),
      shouldPause(false, undefined, t),
      shouldPause(false, Number.NaN, t),
    ]).toEqual([true, false, false]);
  });
});

describe('LoadGate', () => {
  it('pauses and resumes its targets with hysteresis, once per change', () => {
    const loads = [1, 5, 4, 3, 2.5, 2, 1, 4.5];
    const calls: string[] = [];
    const { clock, tick } = fakeClock();
    const gate = new LoadGate({ pauseAbove: 4, sampler: () => loads.shift(), clock });
    gate.add({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    gate.start(); // samples 1
    const seen = [gate.paused];
    for (let i = 0; i < 7; i++) {
      tick();
      seen.push(gate.paused);
    }
    expect(seen).toEqual([false, true, true, true, true, false, false, true]);
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  it('pauses a target added while the gate is closed, and stops sampling on stop()', () => {
    const { clock, tick, active } = fakeClock();
    const gate = new LoadGate({ pauseAbove: 1, resumeBelow: 0.5, sampler: () => 9, clock }).start();
    const calls: string[] = [];
    gate.add({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    expect(calls).toEqual(['pause']);
    gate.stop();
    expect(active()).toBe(0);
    tick();
    expect(calls).toEqual(['pause']);
  });

  it('refuses resumeBelow above pauseAbove', () => {
    expect(() => new LoadGate({ pauseAbove: 1, resumeBelow: 2, sampler: () => 0 })).toThrow(RangeError);
  });

  it('reads real signals on this machine', () => {
    expect(SOURCES.loadavg1()).toBeGreaterThanOrEqual(0);
    const psi = SOURCES['psi-cpu']();
    expect(psi === undefined || (psi >= 0 && psi <= 100)).toBe(true);
  });
});
