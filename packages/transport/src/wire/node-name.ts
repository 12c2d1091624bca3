import { TransportError } from '../errors.js';

/** Throws DPD_TRANSPORT_NODE unless `name` can be a topic: 1–255 bytes, no NUL. */
export function checkNodeName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 255 || name.includes('\0')) {
    throw new TransportError(
      'DPD_TRANSPORT_NODE',
      `node name must be 1–255 bytes without NUL, found ${JSON.stringify(name)}`,
    );
  }
  return name;
}
