// zeromq.js allows one send in flight per socket (EBUSY otherwise), so sends
// go through a queue. With sendTimeout 0 a full queue rejects at once
// (EAGAIN) and the message is dropped: every message that matters is repeated
// by the next heartbeat or snapshot.
import type { Writable } from 'zeromq';
import { TransportError } from '../errors.js';

type Frames = Parameters<Writable['send']>[0];

export class SerialSender {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly socket: Writable & { closed: boolean },
    private readonly onError: (error: TransportError) => void,
    private readonly maxPending = 1000,
  ) {}

  send(frames: Frames): void {
    // Bounded: past maxPending queued sends, drop rather than grow.
    if (this.pending >= this.maxPending) return;
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        if (!this.socket.closed) await this.socket.send(frames);
      } catch (cause) {
        const code = (cause as { code?: string }).code;
        if (code !== 'EAGAIN' && code !== 'EHOSTUNREACH' && !this.socket.closed) {
          this.onError(new TransportError('DPD_TRANSPORT_SEND', `send failed: ${(cause as Error).message}`, { cause }));
        }
      } finally {
        this.pending--;
      }
    });
  }
}
