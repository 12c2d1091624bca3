// The `load` key on real processes, with a scripted load signal: SIGSTOP
// to the group while the load is high, SIGCONT once it is low again.
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { procState } from '@diprocd/test-utils';
import { Sandbox, alive, program, spec, waitFor } from './helpers.js';

let box: Sandbox;
let sup: Supervisor;
let load = 0;
let samples = 0;
beforeEach(() => {
  box = new Sandbox();
  load = 0;
  samples = 0;
  sup = box.supervisor({ loadSamplers: { loadavg1: () => (samples++, load) } });
});
afterEach(async () => {
  await box.cleanup();
});

const gated = (extra = {}) => spec({ name: 'batch', load: { pause_above: 2, interval: '20ms' }, ...extra });

describe('load', () => {
  it('pauses the process group above pause_above and resumes it at or below resume_below', async () => {
    await sup.apply([gated()]);
    const { pid } = sup.status()[0]!;
    load = 5;
    await waitFor('paused', () => sup.status()[0]!.state === 'paused' && procState(pid!) === 'T');
    load = 1.5; // between the thresholds (2 and 1): stays paused
    const seen = samples;
    await waitFor('a few samples', () => samples > seen + 3);
    expect(sup.status()[0]!.state).toBe('paused');
    load = 1;
    await waitFor('resumed', () => sup.status()[0]!.state === 'running' && procState(pid!) !== 'T');
    expect(box.seen('proc.paused').map((e) => e.pid)).toEqual([pid]);
    expect(box.seen('proc.resumed').map((e) => e.pid)).toEqual([pid]);
  });

  it('starts a run paused while the load is high, and can still stop it', async () => {
    load = 5;
    await sup.apply([gated()]);
    const first = sup.status()[0]!;
    expect(first.state).toBe('paused');
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('a new run', () => sup.status()[0]!.pid !== null && sup.status()[0]!.pid !== first.pid);
    const second = sup.status()[0]!;
    expect(second.state).toBe('paused');
    await waitFor('SIGSTOP to take effect', () => procState(second.pid!) === 'T');
    await sup.stop('batch');
    expect(sup.status()[0]!.state).toBe('stopped');
    expect(alive(second.pid!)).toBe(false);
  });

  it('does not count paused time against timeout', async () => {
    load = 5;
    await sup.apply([gated({ timeout: '300ms', restart: 'never' })]);
    // 30 samples 20 ms apart: the 300 ms have long passed on the wall clock.
    await waitFor('30 samples', () => samples >= 30);
    expect(sup.status()[0]!.state).toBe('paused');
    load = 0;
    await waitFor('the timeout, once running again', () => sup.status()[0]!.state === 'failed');
    expect(sup.status()[0]!.lastExit).toMatchObject({ timedOut: true });
  });

  it('leaves processes without a load key alone', async () => {
    load = 50;
    await sup.apply([gated(), spec({ name: 'free', run: program('forever.sh') })]);
    await waitFor('the gated one to pause', () => sup.status()[0]!.state === 'paused');
    expect(sup.status()[1]).toMatchObject({ name: 'free', state: 'running' });
    expect(procState(sup.status()[1]!.pid!)).not.toBe('T');
  });

  it('does not resume what an operator paused when the load drops', async () => {
    await sup.apply([gated()]);
    await sup.pause('batch');
    load = 5;
    const seen = samples;
    await waitFor('samples while high', () => samples > seen + 2);
    load = 0;
    const low = samples;
    await waitFor('samples while low', () => samples > low + 3);
    expect(sup.status()[0]!.state).toBe('paused');
  });

  // Regression: the state-table rewrite gave paused-by-load the plain signal-stop, without SIGCONT, so a
  // program with a SIGTERM handler sat stopped until its stop_timeout ran out and SIGKILL ended it.
  it('stops a process the load paused gracefully: its stop signal is followed by SIGCONT', async () => {
    const marker = box.path('graceful');
    const ready = box.path('ready');
    const prog = [
      `process.on('SIGTERM', () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); process.exit(0); });`,
      `require('fs').writeFileSync(${JSON.stringify(ready)}, 'x'); setInterval(() => {}, 1000);`,
    ].join(' ');
    await sup.apply([gated({ run: process.execPath, args: ['-e', prog], stop_timeout: '3s' })]);
    const { pid } = sup.status()[0]!;
    await waitFor('its SIGTERM handler', () => existsSync(ready));
    load = 5;
    await waitFor('paused by load', () => sup.status()[0]!.state === 'paused' && procState(pid!) === 'T');
    const t0 = Date.now();
    await sup.stop('batch');
    const took = Date.now() - t0;
    const { state, lastExit } = sup.status()[0]!;
    expect({ state, graceful: existsSync(marker), signal: lastExit?.signal, beforeTheKill: took < 1500 }).toEqual({
      state: 'stopped',
      graceful: true,
      signal: null,
      beforeTheKill: true,
    });
  });
});
