// The per-node keys of protocol 2. A node's CURVE key pair and the master's
// are X25519 keys; X25519 of one's secret and the other's public key is a
// secret only those two share. HKDF turns it into one AEAD key per
// direction, bound to both public keys and to the node's name, so a key
// that proves node1 proves nothing about node2 (see the README's wire
// specification, "Sealing").
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { TransportError } from '../errors.js';
import { z85Decode } from './z85.js';

// DER prefixes of a raw 32-byte X25519 key (RFC 8410): PKCS#8 for a secret key, SPKI for a public one.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** The HKDF salt of protocol 2. */
export const SEAL_SALT = 'diprocd/2';

/** The two AEAD keys between the master and one node. */
export interface NodeKeys {
  /** Seals what the master sends the node (state, snapshot, answer). */
  masterToNode: Buffer;
  /** Seals what the node sends the master (snapshot request, heartbeat, request). */
  nodeToMaster: Buffer;
}

const secretKeyObject = (z85: string): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_X25519, z85Decode(z85)]), format: 'der', type: 'pkcs8' });
const publicKeyObject = (z85: string): KeyObject =>
  createPublicKey({ key: Buffer.concat([SPKI_X25519, z85Decode(z85)]), format: 'der', type: 'spki' });

/**
 * Derives the keys of node `node` from one side's secret key and the other
 * side's public key. Both sides get the same two keys:
 * `HKDF-SHA256(ikm = X25519(secret, public), salt = "diprocd/2",
 * info = direction + "\0" + master public key (32 bytes) + node public key (32 bytes) + node name (UTF-8), 32 bytes)`.
 */
export function deriveNodeKeys(
  side: { secretKey: string; peerPublicKey: string; masterPublicKey: string; nodePublicKey: string },
  node: string,
): NodeKeys {
  let shared: Buffer;
  try {
    shared = diffieHellman({
      privateKey: secretKeyObject(side.secretKey),
      publicKey: publicKeyObject(side.peerPublicKey),
    });
  } catch (cause) {
    // OpenSSL refuses a low-order public key (an all-zero shared secret).
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      `no shared key with node ${JSON.stringify(node)}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const bound = Buffer.concat([
    z85Decode(side.masterPublicKey),
    z85Decode(side.nodePublicKey),
    Buffer.from(node, 'utf8'),
  ]);
  const derive = (direction: string) =>
    Buffer.from(
      hkdfSync('sha256', shared, SEAL_SALT, Buffer.concat([Buffer.from(`${direction}\0`, 'utf8'), bound]), 32),
    );
  return { masterToNode: derive('master-to-node'), nodeToMaster: derive('node-to-master') };
}

/**
 * Throws DPD_TRANSPORT_KEY unless `publicKey` is the public key of `secretKey` (both Z85): a mismatched pair derives
 * keys nobody shares.
 */
export function checkKeyPair(owner: string, publicKey: string, secretKey: string): void {
  const derived = createPublicKey(secretKeyObject(secretKey))
    .export({ format: 'der', type: 'spki' })
    .subarray(SPKI_X25519.length);
  if (!derived.equals(z85Decode(publicKey)))
    throw new TransportError('DPD_TRANSPORT_KEY', `${owner}: curve.publicKey is not the public key of curve.secretKey`);
}
