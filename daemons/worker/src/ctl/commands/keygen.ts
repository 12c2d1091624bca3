import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '@diprocd/procspec/runtime';
import { CtlError } from '../../errors.js';
import type { LocalCommand } from '../command.js';

/**
 * `keygen [--dir DIR] NAME`: a CURVE key pair for the master or a node, in
 * DIR/NAME.key (mode 0600) and DIR/NAME.pub; prints both paths, the public
 * key, and where they go in the master and client files. Talks to no one.
 */
export const keygen = {
  kind: 'local',
  name: 'keygen',
  help: [
    [
      'keygen [--dir DIR] NAME',
      'write a CURVE key pair: DIR/NAME.key (mode 0600) and',
      'DIR/NAME.pub (default DIR: the current directory)',
    ],
  ],
  synopsis: ['keygen [--dir DIR] NAME'],
  options: { dir: { type: 'string' } },
  async run(values, [name, ...extra]) {
    if (!name || extra.length > 0) throw new UsageError("keygen needs one key NAME (e.g. master, or the node's name)");
    if (values.master !== undefined || values.socket !== undefined || values.file !== undefined)
      throw new UsageError('keygen takes no --master, --socket or --file');
    process.stdout.write(await writeKeyPair(values.dir ?? '.', name));
    return 0;
  },
} satisfies LocalCommand<{ dir?: string; master?: string; socket?: string; file?: string }>;

/** Writes DIR/NAME.key and DIR/NAME.pub; returns what to print. */
async function writeKeyPair(dir: string, name: string): Promise<string> {
  const at = resolve(dir);
  // writeKeyFiles refuses too, but only file by file: checking both first
  // leaves no new secret key behind when only the .pub was in the way.
  // (A NAME it would refuse, such as ../x, it names itself.)
  const plain = /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.');
  for (const file of plain ? [join(at, `${name}.key`), join(at, `${name}.pub`)] : []) {
    if (existsSync(file))
      throw new CtlError(
        'DPD_KEY_EXISTS',
        `${file} already exists; not overwriting a key that may be in use (remove it first, or choose another NAME)`,
      );
  }
  // Loaded here, not at the top: zeromq is a native module, and the other commands do without it.
  const { TransportError, readKeyFile, writeKeyFiles } = await import('@diprocd/transport');
  let written: { secretFile: string; publicFile: string; publicKey: string };
  try {
    const { secretFile, publicFile } = writeKeyFiles(at, name);
    written = { secretFile, publicFile, publicKey: readKeyFile(publicFile) };
  } catch (error) {
    // A bad NAME, a directory that cannot be created or written.
    if (error instanceof TransportError) throw new CtlError(error.code, error.message, { cause: error });
    throw error;
  }
  const { secretFile, publicFile, publicKey } = written;
  const q = JSON.stringify;
  return `secret key: ${secretFile} (mode 0600: keep it on this host only)
public key: ${publicFile}
  ${publicKey}

If this is the master's key, in the master file (allow: each node name with its .pub file or key):
  "curve": {"secret_key": ${q(secretFile)}, "public_key": ${q(
    publicFile,
  )}, "allow": {"node1": "/etc/diprocd/keys/node1.pub"}}
If it is a node's key, in that node's client file (master_key: the master's .pub file or key):
  "curve": {"secret_key": ${q(secretFile)}, "public_key": ${q(
    publicFile,
  )}, "master_key": "/etc/diprocd/keys/master.pub"}
Copy only .pub files between hosts, never a .key.
`;
}
