// CURVE key pairs and the files that hold them.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { TransportError } from '../errors.js';
import { isZ85Key } from './z85.js';

/** A new CURVE key pair, both keys Z85-encoded (40 characters). */
export function generateKeyPair(): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}

function write(path: string, text: string, mode: number): void {
  try {
    // 'wx': never overwrite a key someone may already have distributed.
    writeFileSync(path, text, { mode, flag: 'wx' });
    chmodSync(path, mode);
  } catch (cause) {
    throw new TransportError('DPD_TRANSPORT_KEY', `cannot write key file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Generates a key pair and writes `<dir>/<name>.key` (the secret key, mode
 * 0600) and `<dir>/<name>.pub` (the public key, mode 0644). Creates `dir`
 * (mode 0700) if missing; refuses to overwrite existing files.
 */
export function writeKeyFiles(dir: string, name: string): { publicFile: string; secretFile: string } {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      `key name must be letters, digits, '.', '_' or '-', found ${JSON.stringify(name)}`,
    );
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw new TransportError('DPD_TRANSPORT_KEY', `cannot create key directory ${dir}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const { publicKey, secretKey } = generateKeyPair();
  const secretFile = join(dir, `${name}.key`);
  const publicFile = join(dir, `${name}.pub`);
  write(secretFile, `# diprocd CURVE secret key of ${name}: keep private\n${secretKey}\n`, 0o600);
  const mode = statSync(secretFile).mode & 0o777;
  if (mode !== 0o600)
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      `secret key file ${secretFile} has mode ${mode.toString(8)}, expected 600`,
    );
  write(publicFile, `# diprocd CURVE public key of ${name}\n${publicKey}\n`, 0o644);
  return { publicFile, secretFile };
}

/**
 * Reads a key file: lines starting with `#` and blank lines are ignored, the
 * one remaining line is the Z85 key. A file whose name does not end in `.pub`
 * is a secret key and must not be readable or writable by group or others.
 */
export function readKeyFile(path: string): string {
  let text: string;
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TransportError('DPD_TRANSPORT_KEY', `cannot read key file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (!path.endsWith('.pub') && (mode & 0o077) !== 0) {
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      `secret key file ${path} has mode ${mode.toString(8).padStart(3, '0')}: group or others can access it (chmod 600 it)`,
    );
  }
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length !== 1 || !isZ85Key(lines[0])) {
    throw new TransportError(
      'DPD_TRANSPORT_KEY',
      `key file ${path}: expected one 40-character Z85 key, found ${lines.length} line(s)${lines.length === 1 ? ` of ${lines[0]!.length} characters` : ''}`,
    );
  }
  return lines[0]!;
}
