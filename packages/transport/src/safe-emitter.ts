// The transport's events: a throwing listener must not stop a receive loop
// or a timer, and an 'error' without a listener must not throw out of
// EventEmitter (a library must not crash its host over a bad packet).
import { EventEmitter } from 'node:events';
import { TransportError } from './errors.js';

export class SafeEmitter<Events extends { error: { error: TransportError } }> extends EventEmitter {
  protected fire<E extends keyof Events & string>(event: E, payload: Events[E]): void {
    try {
      this.emit(event, payload);
    } catch (cause) {
      if (event !== 'error')
        this.report(
          new TransportError('DPD_TRANSPORT_LISTENER', `a '${event}' listener threw: ${(cause as Error)?.message}`, {
            cause,
          }),
        );
    }
  }

  protected report(error: TransportError): void {
    if (this.listenerCount('error') > 0) this.fire('error', { error } as Events['error']);
  }
}
