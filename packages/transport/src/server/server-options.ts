// Checks and defaults of the TransportServer options.
import { isZ85Key } from '../curve/z85.js';
import { TransportError } from '../errors.js';
import type { TransportServerOptions } from './transport-server.js';

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** The options with defaults filled in; throws DPD_TRANSPORT_OPTIONS or DPD_TRANSPORT_KEY. */
export function checkServerOptions(options: TransportServerOptions) {
  const bad = (message: string) => new TransportError('DPD_TRANSPORT_OPTIONS', `TransportServer: ${message}`);
  if (typeof options?.updates !== 'string' || options.updates === '') throw bad('updates must be an endpoint such as tcp://127.0.0.1:5002');
  if (typeof options.stats !== 'string' || options.stats === '') throw bad('stats must be an endpoint such as tcp://127.0.0.1:5001');
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const suspectAfterMs = options.suspectAfterMs ?? 3000;
  const downAfterMs = options.downAfterMs ?? 10_000;
  for (const [name, value] of Object.entries({ heartbeatMs, suspectAfterMs, downAfterMs })) if (!positive(value)) throw bad(`${name} must be a number > 0, found ${JSON.stringify(value)}`);
  if (downAfterMs < suspectAfterMs) throw bad(`downAfterMs (${downAfterMs}) must not be less than suspectAfterMs (${suspectAfterMs})`);
  const { curve } = options;
  if (curve) {
    if (!isZ85Key(curve.publicKey) || !isZ85Key(curve.secretKey)) throw new TransportError('DPD_TRANSPORT_KEY', 'TransportServer: curve.publicKey and curve.secretKey must be 40-character Z85 keys');
    if (!Array.isArray(curve.allow)) throw bad('curve.allow must be an array of client public keys');
    const wrong = curve.allow.findIndex((key) => !isZ85Key(key));
    if (wrong >= 0) throw new TransportError('DPD_TRANSPORT_KEY', `TransportServer: curve.allow[${wrong}] is not a 40-character Z85 key`);
  }
  return { updates: options.updates, stats: options.stats, curve, heartbeatMs, suspectAfterMs, downAfterMs, now: options.now ?? Date.now };
}
