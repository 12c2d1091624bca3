// A ZAP (ZeroMQ RFC 27) handler that admits allow-listed CURVE keys. It must
// be bound on the same context as the CURVE server sockets, before they bind.
import { Router, type Context } from 'zeromq';
import { z85Encode } from './z85.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapHandler {
  close(): void;
}

/** Binds a ZAP handler on `context`; `onRejected` hears each refused key with the peer's address. */
export async function startZapHandler(
  context: Context,
  allow: readonly string[],
  onRejected: (publicKey: string, address: string) => void,
): Promise<ZapHandler> {
  const allowed = new Set(allow);
  const router = new Router({ context, linger: 0 });
  await router.bind(ZAP_ENDPOINT);
  void (async () => {
    try {
      // Frames: [routing id] "" version request-id domain address identity mechanism credentials…
      for await (const [envelope, , version, requestId, , address, , mechanism, credentials] of router) {
        const key = mechanism?.toString() === 'CURVE' && credentials?.length === 32 ? z85Encode(credentials) : '';
        const ok = version?.toString() === '1.0' && allowed.has(key);
        if (!ok) onRejected(key, address?.toString() ?? '');
        await router.send([
          envelope!,
          '',
          '1.0',
          requestId ?? '',
          ok ? '200' : '400',
          ok ? 'OK' : 'key not allowed',
          ok ? key : '',
          '',
        ]);
      }
    } catch {
      // The router was closed while a request was in flight.
    }
  })();
  return { close: () => router.close() };
}
