// One process's events, told in order. A run's proc.exit may wait for its
// last lines (the log relay's answer, run-end.ts): the events after it wait
// behind that gate too, so what a listener hears of one process is always
// in the order it happened. Nothing waits longer than the gate's promise
// (a second at most), and tellAll() opens every gate at once when the
// supervisor closes: none is lost.
import type { SupervisorEventName, SupervisorEvents } from '../events.js';

type Entry = { open: boolean } | { event: SupervisorEventName; payload: unknown };

export class EventQueue {
  private readonly untold: Entry[] = [];
  private readonly toldWaiters: (() => void)[] = [];

  constructor(private readonly emit: <E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]) => void) {}

  /** Tells `event` now, or after the events held before it. */
  tell<E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]): void {
    if (this.untold.length === 0) this.emit(event, payload);
    else this.untold.push({ event, payload });
  }

  /** Events from now on wait until `until` settles. */
  hold(until: Promise<unknown>): void {
    const gate = { open: false };
    this.untold.push(gate);
    void until.finally(() => {
      gate.open = true;
      this.drain();
    });
  }

  /** Resolves once every event held now has been told. */
  told(): Promise<void> {
    if (this.untold.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.toldWaiters.push(resolve));
  }

  /** Tells every event held now, without waiting. */
  tellAll(): void {
    for (const entry of this.untold) if ('open' in entry) entry.open = true;
    this.drain();
  }

  private drain(): void {
    while (this.untold.length > 0) {
      const next = this.untold[0]!;
      if ('open' in next && !next.open) return;
      this.untold.shift();
      if ('event' in next) this.emit(next.event, next.payload as never);
    }
    for (const resolve of this.toldWaiters.splice(0)) resolve();
  }
}
