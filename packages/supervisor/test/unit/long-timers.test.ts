// Regression: Node runs a setTimeout longer than 2^31-1 ms at once, so a
// 30-day timeout killed the process immediately. Fake timers prove the
// chained timer waits the whole time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Sandbox, spec } from '../helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(async () => {
  vi.useRealTimers();
  await box.cleanup();
});

describe('a timeout longer than 2^31-1 ms', () => {
  it('does not fire early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'long', timeout: '30d' })]);
    const thirtyDays = 30 * 86_400_000;
    vi.advanceTimersByTime(2 ** 31 + 1000);
    expect(sup.status()[0]!.state).toBe('running');
    vi.advanceTimersByTime(thirtyDays - (2 ** 31 + 1000) - 10);
    expect(sup.status()[0]!.state).toBe('running');
    vi.advanceTimersByTime(15); // just past the 30 days: the stop has begun, its first check is 20 ms away
    expect(sup.status()[0]).toMatchObject({
      state: 'stopping',
      reason: 'ran longer than its timeout of 2592000000 ms',
    });
  });
});
