// Checks and defaults of the TransportClient options.
import { checkKeyPair } from '../curve/node-keys.js';
import { isZ85Key } from '../curve/z85.js';
import { TransportError } from '../errors.js';
import { checkNodeName } from '../wire/node-name.js';
import type { TransportClientOptions } from './transport-client.js';

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** The options with defaults filled in; throws DPD_TRANSPORT_OPTIONS, DPD_TRANSPORT_NODE or DPD_TRANSPORT_KEY. */
export function checkClientOptions(options: TransportClientOptions) {
  const bad = (message: string) => new TransportError('DPD_TRANSPORT_OPTIONS', `TransportClient: ${message}`);
  checkNodeName(options?.node);
  if (typeof options.updates !== 'string' || options.updates === '')
    throw bad('updates must be an endpoint such as tcp://127.0.0.1:5002');
  if (typeof options.stats !== 'string' || options.stats === '')
    throw bad('stats must be an endpoint such as tcp://127.0.0.1:5001');
  if (typeof options.report !== 'function') throw bad('report must be a function returning a NodeReport');
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const initialMs = options.reconnect?.initialMs ?? 100;
  const maxMs = options.reconnect?.maxMs ?? 5000;
  for (const [name, value] of Object.entries({
    heartbeatMs,
    'reconnect.initialMs': initialMs,
    'reconnect.maxMs': maxMs,
  }))
    if (!positive(value)) throw bad(`${name} must be a number > 0, found ${JSON.stringify(value)}`);
  const { curve } = options;
  if (curve && ![curve.publicKey, curve.secretKey, curve.serverKey].every(isZ85Key)) {
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      'TransportClient: curve.publicKey, curve.secretKey and curve.serverKey must be 40-character Z85 keys',
    );
  }
  if (curve) checkKeyPair('TransportClient', curve.publicKey, curve.secretKey);
  return {
    ...options,
    plaintextRemote: options.plaintextRemote === true,
    heartbeatMs,
    reconnect: { initialMs, maxMs: Math.max(maxMs, initialMs) },
    curve,
    now: options.now ?? Date.now,
  };
}
