// Sealing of protocol 2: ChaCha20-Poly1305 (RFC 8439) with a random 96-bit
// nonce; a box is base64 of nonce ‖ ciphertext ‖ 16-byte tag. The
// additional data binds the box to the message's clear fields, so a box
// cannot be moved to another type, node or revision.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE = 12;
const TAG = 16;

/** The additional data of a box: "diprocd/2" and the clear fields, each followed by a NUL. */
export const sealAad = (fields: readonly (string | number)[]): Buffer =>
  Buffer.from(['diprocd/2', ...fields].map((field) => `${field}\0`).join(''), 'utf8');

/** Seals `value` (as UTF-8 JSON) with `key`. */
export function seal(key: Buffer, aad: Buffer, value: unknown): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  cipher.setAAD(aad, { plaintextLength: 0 });
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** Opens a box sealed with `key`; undefined when it was not (wrong key, altered, or not a box). */
export function open(key: Buffer, aad: Buffer, box: string): unknown {
  const bytes = Buffer.from(box, 'base64');
  if (bytes.length < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, bytes.subarray(0, NONCE), { authTagLength: TAG });
    decipher.setAAD(aad, { plaintextLength: 0 });
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG));
    const text = Buffer.concat([decipher.update(bytes.subarray(NONCE, bytes.length - TAG)), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
