import { describe, expect, it } from 'vitest';
import { STATES, SupervisorError, TRANSITIONS, transition } from '@diprocd/supervisor';

describe('the state machine', () => {
  it('keeps operator stop, gave up, spawn failure, planned exit and paused distinct', () => {
    expect(STATES).toEqual(expect.arrayContaining(['stopped', 'gave-up', 'spawn-failed', 'exited', 'failed', 'paused']));
    expect(new Set(STATES).size).toBe(STATES.length);
  });

  it('only names known states in its table', () => {
    for (const [key, edge] of TRANSITIONS) {
      const [from] = key.split('|');
      expect(STATES).toContain(from);
      expect(STATES).toContain(edge.to);
    }
  });

  it('walks a crash, a backoff and a restart', () => {
    expect(transition('web', 'idle', 'start')).toEqual({ to: 'starting', action: 'spawn' });
    expect(transition('web', 'starting', 'spawned')).toEqual({ to: 'running', action: 'watch' });
    expect(transition('web', 'running', 'exit:backoff')).toEqual({ to: 'backoff', action: 'schedule-restart' });
    expect(transition('web', 'backoff', 'backoff-elapsed')).toEqual({ to: 'starting', action: 'spawn' });
  });

  it('raises a coded error for an illegal transition', () => {
    let error: unknown;
    try {
      transition('web', 'stopped', 'pause');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SupervisorError);
    expect((error as SupervisorError).code).toBe('DPD_ILLEGAL_TRANSITION');
    expect((error as SupervisorError).message).toBe('web: cannot pause while stopped');
  });

  it('lets a paused process be stopped but not timed out', () => {
    expect(transition('web', 'paused', 'stop').to).toBe('stopping');
    expect(() => transition('web', 'paused', 'timeout')).toThrow(/cannot timeout while paused/);
  });
});
