// Checks and defaults of the TransportServer options.
import { checkKeyPair } from '../curve/node-keys.js';
import { isZ85Key } from '../curve/z85.js';
import { TransportError } from '../errors.js';
import { checkNodeName } from '../wire/node-name.js';
import type { TransportServerOptions } from './transport-server.js';

const positive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** The options with defaults filled in; throws DPD_TRANSPORT_OPTIONS or DPD_TRANSPORT_KEY. */
export function checkServerOptions(options: TransportServerOptions) {
  const bad = (message: string) => new TransportError('DPD_TRANSPORT_OPTIONS', `TransportServer: ${message}`);
  if (typeof options?.updates !== 'string' || options.updates === '')
    throw bad('updates must be an endpoint such as tcp://127.0.0.1:5002');
  if (typeof options.stats !== 'string' || options.stats === '')
    throw bad('stats must be an endpoint such as tcp://127.0.0.1:5001');
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const suspectAfterMs = options.suspectAfterMs ?? 3000;
  const downAfterMs = options.downAfterMs ?? 10_000;
  for (const [name, value] of Object.entries({ heartbeatMs, suspectAfterMs, downAfterMs }))
    if (!positive(value)) throw bad(`${name} must be a number > 0, found ${JSON.stringify(value)}`);
  if (downAfterMs < suspectAfterMs)
    throw bad(`downAfterMs (${downAfterMs}) must not be less than suspectAfterMs (${suspectAfterMs})`);
  const { curve } = options;
  if (curve) {
    if (!isZ85Key(curve.publicKey) || !isZ85Key(curve.secretKey))
      throw new TransportError(
        'DPD_TRANSPORT_KEY',
        'TransportServer: curve.publicKey and curve.secretKey must be 40-character Z85 keys',
      );
    if (typeof curve.allow !== 'object' || curve.allow === null || Array.isArray(curve.allow))
      throw bad("curve.allow must be an object of node name → that node's Z85 public key");
    checkKeyPair('TransportServer', curve.publicKey, curve.secretKey);
    const owner = new Map<string, string>();
    for (const [node, key] of Object.entries(curve.allow)) {
      checkNodeName(node);
      if (!isZ85Key(key))
        throw new TransportError(
          'DPD_TRANSPORT_KEY',
          `TransportServer: curve.allow[${JSON.stringify(node)}] is not a 40-character Z85 key`,
        );
      // A key is a node: one key for two names would let either holder act as both.
      const other = owner.get(key);
      if (other !== undefined)
        throw new TransportError(
          'DPD_TRANSPORT_KEY',
          `TransportServer: curve.allow[${JSON.stringify(node)}] is the key of ${JSON.stringify(other)} too; each node needs a key of its own`,
        );
      if (key === curve.publicKey)
        throw new TransportError(
          'DPD_TRANSPORT_KEY',
          `TransportServer: curve.allow[${JSON.stringify(node)}] is the master's own public key`,
        );
      owner.set(key, node);
    }
  }
  if (options.answer !== undefined && typeof options.answer !== 'function') throw bad('answer must be a function');
  return {
    updates: options.updates,
    stats: options.stats,
    curve: curve && { publicKey: curve.publicKey, secretKey: curve.secretKey, allow: { ...curve.allow } },
    plaintextRemote: options.plaintextRemote === true,
    answer: options.answer,
    heartbeatMs,
    suspectAfterMs,
    downAfterMs,
    now: options.now ?? Date.now,
  };
}
