// The restart decision with plain numbers for time: no processes, no timers.
import { describe, expect, it } from 'vitest';
import { normaliseProc, type ProcInput } from '@diprocd/procspec';
import {
  decideAfterExit,
  decideAfterSpawnError,
  TRANSIENT_ERRNOS,
  type ExitInfo,
  type RestartHistory,
} from '@diprocd/supervisor';

const spec = (input: Partial<ProcInput> = {}) => normaliseProc({ name: 'p', run: '/bin/true', ...input } as ProcInput);
const crash: ExitInfo = { code: 1, signal: null, timedOut: false };
const success: ExitInfo = { code: 0, signal: null, timedOut: false };
const fresh = (): RestartHistory => ({ starts: [], quickFailures: 0 });

describe('decideAfterExit', () => {
  it('waits success_delay after a run that exited 0, but not after a failure', () => {
    const p = spec({ success_delay: '2s' });
    const history = { starts: [0], quickFailures: 2 };
    expect(decideAfterExit(p, { code: 0, signal: null, timedOut: false }, 5, history, 5)).toEqual({
      event: 'exit:backoff',
      delay: 2_000,
    });
    expect(history.quickFailures).toBe(0);
    expect(decideAfterExit(p, crash, 5, history, 10)).toEqual({ event: 'exit:backoff', delay: 100 });
    expect(decideAfterExit(p, { code: 0, signal: null, timedOut: true }, 5_000, history, 5_000)).toEqual({
      event: 'exit:restart',
    });
  });

  it('restarts at once after a run longer than min_uptime, and resets the backoff', () => {
    const history = { starts: [0], quickFailures: 3 };
    expect(decideAfterExit(spec(), crash, 5_000, history, 5_000)).toEqual({ event: 'exit:restart' });
    expect(history.quickFailures).toBe(0);
  });

  it('doubles the delay per quick failure up to backoff.max', () => {
    const p = spec({ backoff: { initial: '100ms', max: '1s' }, restart_limit: { starts: 100, within: '60s' } });
    const history = fresh();
    const delays = [1, 2, 3, 4, 5, 6].map((i) => {
      const verdict = decideAfterExit(p, crash, 10, history, i * 1000);
      return verdict.event === 'exit:backoff' ? verdict.delay : verdict.event;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('gives up after restart_limit.starts starts within the window, and not when they are spread out', () => {
    const p = spec({ restart_limit: { starts: 5, within: '60s' } });
    expect(
      decideAfterExit(p, crash, 5_000, { starts: [0, 10_000, 20_000, 30_000, 40_000], quickFailures: 0 }, 45_000),
    ).toEqual({ event: 'exit:give-up' });
    expect(
      decideAfterExit(p, crash, 5_000, { starts: [0, 10_000, 20_000, 30_000, 40_000], quickFailures: 0 }, 61_000),
    ).toEqual({ event: 'exit:restart' });
  });

  it('follows the policy: on-failure stops after success, never never restarts', () => {
    expect(decideAfterExit(spec({ restart: 'on-failure' }), success, 10, fresh(), 0)).toEqual({ event: 'exit:done' });
    expect(decideAfterExit(spec({ restart: 'on-failure' }), crash, 5_000, fresh(), 0)).toEqual({
      event: 'exit:restart',
    });
    expect(decideAfterExit(spec({ restart: false }), crash, 5_000, fresh(), 0)).toEqual({ event: 'exit:failed' });
    expect(decideAfterExit(spec({ restart: 'never' }), success, 5_000, fresh(), 0)).toEqual({ event: 'exit:done' });
    expect(decideAfterExit(spec({ restart: true }), success, 5_000, fresh(), 0)).toEqual({ event: 'exit:restart' });
  });

  it('counts a timeout, a signal and an unknown exit as failures', () => {
    const p = spec({ restart: 'on-failure' });
    for (const exit of [
      { ...success, timedOut: true },
      { code: null, signal: 'SIGKILL' as const, timedOut: false },
      { code: null, signal: null, timedOut: false },
    ]) {
      expect(decideAfterExit(p, exit, 5_000, fresh(), 0).event).toBe('exit:restart');
    }
  });
});

describe('decideAfterSpawnError', () => {
  it('tries again after a shortage the machine lifts, and leaves any other failure down', () => {
    for (const errno of ['EMFILE', 'ENFILE', 'EAGAIN', 'EWOULDBLOCK', 'ENOMEM', 'ENOSPC', 'EINTR'])
      expect(decideAfterSpawnError(spec(), errno, fresh(), 0), errno).toEqual({
        event: 'spawn-error:transient',
        delay: 100,
      });
    expect([...TRANSIENT_ERRNOS].sort()).toEqual([
      'EAGAIN',
      'EINTR',
      'EMFILE',
      'ENFILE',
      'ENOMEM',
      'ENOSPC',
      'EWOULDBLOCK',
    ]);
    for (const errno of ['ENOENT', 'EACCES', 'ENOEXEC', 'EPERM', 'ENOTDIR', 'E2BIG', undefined])
      expect(decideAfterSpawnError(spec(), errno, fresh(), 0), String(errno)).toEqual({ event: 'spawn-error' });
  });

  it('tries again whatever restart says: the program never ran', () => {
    for (const restart of ['never', 'on-failure', 'always'] as const)
      expect(decideAfterSpawnError(spec({ restart }), 'EAGAIN', fresh(), 0).event).toBe('spawn-error:transient');
  });

  it('doubles the delay per failure up to backoff.max, from 1 ms at least', () => {
    const delays = (input: Partial<ProcInput>) => {
      const history = fresh();
      return [1, 2, 3, 4, 5, 6].map((i) => {
        history.starts.push(i);
        const verdict = decideAfterSpawnError(spec(input), 'EMFILE', history, i);
        return verdict.event === 'spawn-error:transient' ? verdict.delay : verdict.event;
      });
    };
    expect(delays({ backoff: { initial: '100ms', max: '1s' } })).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(delays({ backoff: { initial: 0, max: '10ms' } })).toEqual([1, 2, 4, 8, 10, 10]);
  });

  it('does not count a failed start toward restart_limit: a long shortage never ends in gave-up', () => {
    const p = spec({ restart_limit: { starts: 3, within: '60s' } });
    const history = { starts: [0], quickFailures: 0 };
    for (let at = 1_000; at <= 20_000; at += 1_000) {
      history.starts.push(at); // the start the failure ends
      expect(decideAfterSpawnError(p, 'EMFILE', history, at).event).toBe('spawn-error:transient');
    }
    expect(history.starts).toEqual([0]);
    expect(history.quickFailures).toBe(20);
    // The run that finally starts, and then ends after a long run, is restarted, not given up.
    history.starts.push(21_000);
    expect(decideAfterExit(p, crash, 5_000, history, 26_000)).toEqual({ event: 'exit:restart' });
    // A permanent failure leaves the history alone.
    expect(decideAfterSpawnError(p, 'ENOENT', history, 21_000)).toEqual({ event: 'spawn-error' });
    expect(history.starts).toEqual([0, 21_000]);
  });
});
