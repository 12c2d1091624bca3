import { describe, expect, it } from 'vitest';
import { LivenessTracker } from '@diprocd/transport';

describe('LivenessTracker (injected clock)', () => {
  it('goes alive → suspect → down → alive from heartbeat times', () => {
    const tracker = new LivenessTracker(300, 1000);
    tracker.know('a');
    expect(tracker.liveness('a')).toBe('unknown');
    expect(tracker.check(5000)).toEqual([]);
    expect(tracker.heard('a', 0)).toEqual([{ node: 'a', to: 'alive' }]);
    expect(tracker.heard('a', 100)).toEqual([]);
    expect(tracker.check(399)).toEqual([]);
    expect(tracker.check(400)).toEqual([{ node: 'a', to: 'suspect' }]);
    expect(tracker.check(500)).toEqual([]);
    expect(tracker.check(1100)).toEqual([{ node: 'a', to: 'down' }]);
    expect(tracker.check(9000)).toEqual([]);
    expect(tracker.heard('a', 9001)).toEqual([{ node: 'a', to: 'alive' }]);
    expect([tracker.liveness('a'), tracker.lastHeartbeat('a')]).toEqual(['alive', 9001]);
  });

  it('reports suspect on the way when one check finds a node already past down', () => {
    const tracker = new LivenessTracker(300, 1000);
    tracker.heard('b', 0);
    expect(tracker.check(5000)).toEqual([
      { node: 'b', to: 'suspect' },
      { node: 'b', to: 'down' },
    ]);
  });
});
