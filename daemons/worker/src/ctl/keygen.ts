// dpd-ctl keygen: a CURVE key pair for the master or a node, in two files.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CtlError } from './errors.js';

/**
 * Writes DIR/NAME.key (mode 0600) and DIR/NAME.pub and returns what to print:
 * the two paths, the public key, and where they go in the master and client files.
 */
export async function keygen(dir: string, name: string): Promise<string> {
  const at = resolve(dir);
  // writeKeyFiles refuses too, but only file by file: checking both first
  // leaves no new secret key behind when only the .pub was in the way.
  // (A NAME it would refuse, such as ../x, it names itself.)
  const plain = /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.');
  for (const file of plain ? [join(at, `${name}.key`), join(at, `${name}.pub`)] : []) {
    if (existsSync(file)) throw new CtlError('DPD_KEY_EXISTS', `${file} already exists; not overwriting a key that may be in use (remove it first, or choose another NAME)`);
  }
  // Loaded here, not at the top: zeromq is a native module, and the other commands do without it.
  const { TransportError, readKeyFile, writeKeyFiles } = await import('@diprocd/transport');
  let written: { secretFile: string; publicFile: string; publicKey: string };
  try {
    const { secretFile, publicFile } = writeKeyFiles(at, name);
    written = { secretFile, publicFile, publicKey: readKeyFile(publicFile) };
  } catch (error) {
    // A bad NAME, a directory that cannot be created or written.
    if (error instanceof TransportError) throw new CtlError(error.code, error.message);
    throw error;
  }
  const { secretFile, publicFile, publicKey } = written;
  const q = JSON.stringify;
  return `secret key: ${secretFile} (mode 0600: keep it on this host only)
public key: ${publicFile}
  ${publicKey}

If this is the master's key, in the master file (allow: each node name with its .pub file or key):
  "curve": {"secret_key": ${q(secretFile)}, "public_key": ${q(publicFile)}, "allow": {"node1": "/etc/diprocd/keys/node1.pub"}}
If it is a node's key, in that node's client file (master_key: the master's .pub file or key):
  "curve": {"secret_key": ${q(secretFile)}, "public_key": ${q(publicFile)}, "master_key": "/etc/diprocd/keys/master.pub"}
Copy only .pub files between hosts, never a .key.
`;
}
