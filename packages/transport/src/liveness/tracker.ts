// Node liveness from heartbeat times, by an injected clock: alive on a
// heartbeat, suspect after `suspectAfterMs` of silence, down after
// `downAfterMs`, alive again when heartbeats return. Pure: callers feed it
// times and act on the transitions it returns.
import type { Liveness } from '../types.js';

export interface Transition {
  node: string;
  to: 'alive' | 'suspect' | 'down';
}

export class LivenessTracker {
  private readonly state = new Map<string, { liveness: Liveness; last: number | null }>();

  constructor(
    private readonly suspectAfterMs: number,
    private readonly downAfterMs: number,
  ) {}

  /** Registers a node (liveness `unknown`) if it is new. */
  know(node: string): void {
    if (!this.state.has(node)) this.state.set(node, { liveness: 'unknown', last: null });
  }

  /** A heartbeat from `node` at time `at`; returns the transition to alive, if any. */
  heard(node: string, at: number): Transition[] {
    const entry = this.state.get(node) ?? { liveness: 'unknown' as Liveness, last: null };
    const was = entry.liveness;
    this.state.set(node, { liveness: 'alive', last: at });
    return was === 'alive' ? [] : [{ node, to: 'alive' }];
  }

  /** Re-evaluates every node at time `at`; a node that skips suspect reports it on the way to down. */
  check(at: number): Transition[] {
    const transitions: Transition[] = [];
    for (const [node, entry] of this.state) {
      if (entry.last === null || entry.liveness === 'down') continue;
      const silent = at - entry.last;
      if (silent >= this.suspectAfterMs && entry.liveness === 'alive') {
        entry.liveness = 'suspect';
        transitions.push({ node, to: 'suspect' });
      }
      if (silent >= this.downAfterMs && entry.liveness === 'suspect') {
        entry.liveness = 'down';
        transitions.push({ node, to: 'down' });
      }
    }
    return transitions;
  }

  liveness(node: string): Liveness {
    return this.state.get(node)?.liveness ?? 'unknown';
  }

  lastHeartbeat(node: string): number | null {
    return this.state.get(node)?.last ?? null;
  }

  nodes(): string[] {
    return [...this.state.keys()];
  }
}
