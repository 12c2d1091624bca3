import { describe, expect, it } from 'vitest';
import {
  REFUSED_TRANSITIONS,
  STATES,
  SupervisorError,
  TRANSITION_EVENTS,
  TRANSITIONS,
  shownAs,
  transition,
} from '@diprocd/supervisor';

describe('the state machine', () => {
  it('keeps operator stop, gave up, spawn failure, planned exit and paused as states of their own', () => {
    for (const state of ['stopped', 'gave-up', 'spawn-failed', 'exited', 'failed', 'paused'] as const)
      expect(STATES).toContain(state);
  });

  it('reaches every state from idle', () => {
    const reached = new Set(['idle']);
    for (let grew = true; grew;) {
      grew = false;
      for (const [key, edge] of TRANSITIONS) {
        if (reached.has(key.split('|')[0]!) && !reached.has(edge.to)) {
          reached.add(edge.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...STATES].sort());
  });

  it('names every pair of state and event once: a cell (next state and action) or a refusal', () => {
    for (const state of STATES) {
      for (const event of TRANSITION_EVENTS) {
        const key = `${state}|${event}`;
        expect([TRANSITIONS.has(key), REFUSED_TRANSITIONS.has(key)], key).toEqual(
          TRANSITIONS.has(key) ? [true, false] : [false, true],
        );
      }
    }
    expect(TRANSITIONS.size + REFUSED_TRANSITIONS.size).toBe(STATES.length * TRANSITION_EVENTS.length);
  });

  it('refuses exactly what transition() refuses', () => {
    for (const key of REFUSED_TRANSITIONS) {
      const [state, event] = key.split('|') as [(typeof STATES)[number], (typeof TRANSITION_EVENTS)[number]];
      // A variant of a shown state is said as the state status() shows, then the variant.
      const said = shownAs(state) === state ? state : `${shownAs(state)} (${state})`;
      expect(() => transition('web', state, event), key).toThrow(`web: cannot ${event} while ${said}`);
    }
  });

  it('reads as the table in machine-table.txt', async () => {
    const render = STATES.map((state) => {
      const cells = TRANSITION_EVENTS.flatMap((event) => {
        const edge = TRANSITIONS.get(`${state}|${event}`);
        if (!edge) return [];
        return [
          `  ${event}: ${edge.to === state ? 'stays' : `→ ${edge.to}`}${edge.action === 'none' ? '' : ` (${edge.action})`}`,
        ];
      });
      const refused = TRANSITION_EVENTS.filter((event) => REFUSED_TRANSITIONS.has(`${state}|${event}`));
      return [state, ...cells, `  refuses: ${refused.join(', ')}`].join('\n');
    });
    await expect(`${render.join('\n\n')}\n`).toMatchFileSnapshot('./machine-table.txt');
  });

  it('can stop and remove a process from every state but removed, and end every live run on exit', () => {
    for (const state of STATES.filter((s) => s !== 'removed' && s !== 'stopping')) {
      expect(TRANSITIONS.get(`${state}|stop`), `${state}|stop`).toBeDefined();
      expect(TRANSITIONS.get(`${state}|remove`), `${state}|remove`).toBeDefined();
    }
    // A run that ends unasked is judged by its restart policy, as is one stopped for its timeout.
    for (const state of ['starting', 'running', 'paused', 'paused-by-load', 'stopping-on-timeout'] as const) {
      for (const exit of ['exit:restart', 'exit:backoff', 'exit:done', 'exit:failed', 'exit:give-up'] as const) {
        expect(TRANSITIONS.get(`${state}|${exit}`), `${state}|${exit}`).toBeDefined();
      }
    }
    expect([...TRANSITIONS.keys()].filter((key) => key.startsWith('removed|'))).toEqual([]);
  });

  it('keeps why a process stops, and who paused it, in its state', () => {
    expect(transition('web', 'running', 'restart')).toEqual({ to: 'stopping-to-restart', action: 'signal-stop' });
    expect(transition('web', 'stopping-to-restart', 'stop')).toEqual({ to: 'stopping', action: 'none' });
    expect(transition('web', 'stopping', 'remove')).toEqual({ to: 'stopping-to-remove', action: 'none' });
    expect(transition('web', 'stopping', 'stop-done')).toEqual({ to: 'stopped', action: 'stand-down' });
    expect(transition('web', 'stopping-to-restart', 'stop-done')).toEqual({ to: 'respawning', action: 'respawn' });
    expect(transition('web', 'stopping-to-remove', 'stop-done')).toEqual({ to: 'removed', action: 'retire' });
    expect(transition('web', 'stopping-on-timeout', 'stop-done')).toEqual({
      to: 'stopping-on-timeout',
      action: 'judge',
    });
    expect(transition('web', 'paused-by-load', 'load-low')).toEqual({ to: 'running', action: 'continue' });
    expect(transition('web', 'paused', 'load-low')).toEqual({ to: 'paused', action: 'none' });
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

  it('names a state the way status() shows it, with its variant', () => {
    expect(() => transition('web', 'paused-by-load', 'pause')).toThrow(
      'web: cannot pause while paused (paused-by-load)',
    );
  });

  it('lets a paused process be stopped but not timed out', () => {
    expect(transition('web', 'paused', 'stop').to).toBe('stopping');
    expect(() => transition('web', 'paused', 'timeout')).toThrow(/cannot timeout while paused/);
  });
});
