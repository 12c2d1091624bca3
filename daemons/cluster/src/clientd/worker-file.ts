// The worker file as dpd-clientd writes it: the node's list in `procs`,
// every other key of the file kept, replaced atomically (temp file, fsync,
// rename) and only when the list changed.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { fileBase } from '@diprocd/daemonkit';
import { writeFileAtomic } from '@diprocd/supervisor/host';
import { ClusterError, osReason } from '../errors.js';

export interface WriteOutcome {
  written: boolean;
  /** Names only in the new list, only in the old one, and in both but changed. */
  added: string[];
  removed: string[];
  changed: string[];
}

type Doc = Record<string, unknown> & { procs?: unknown };

/**
 * The file's JSON object; {} when it does not exist yet. A file that is
 * there but not a JSON object (a hand edit half done) is an error: writing
 * over it would drop its other keys (state_dir, control_socket…).
 */
function readDoc(path: string): Doc {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ClusterError('DPD_WORKER_FILE', `${path}: cannot read it: ${osReason(error)}`, { cause: error });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ClusterError(
      'DPD_WORKER_FILE_INVALID',
      `${path}: not valid JSON (${(error as Error).message}); left as it is until it is fixed`,
      { cause: error },
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new ClusterError('DPD_WORKER_FILE_INVALID', `${path}: not a JSON object; left as it is until it is fixed`);
  return doc as Doc;
}

const byName = (procs: unknown): Map<string, unknown> =>
  new Map((Array.isArray(procs) ? procs : []).map((proc: { name?: unknown }) => [String(proc?.name), proc]));

/** Puts `procs` into the worker file at `path`, keeping its other keys. */
export function writeProcs(path: string, procs: unknown[]): WriteOutcome {
  const doc = readDoc(path);
  const before = byName(doc.procs);
  const after = byName(procs);
  const outcome: WriteOutcome = {
    written: false,
    added: [...after.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    changed: [...after.keys()].filter(
      (name) => before.has(name) && !isDeepStrictEqual(before.get(name), after.get(name)),
    ),
  };
  if (isDeepStrictEqual(doc.procs, procs)) return outcome;
  // Mode 0600: process definitions may carry secrets in env.
  try {
    writeFileAtomic(path, `${JSON.stringify({ ...doc, procs }, null, 2)}\n`, { mode: 0o600, durable: true });
  } catch (error) {
    throw new ClusterError('DPD_WORKER_FILE', `${path}: cannot write it: ${osReason(error)}`, { cause: error });
  }
  return { ...outcome, written: true };
}

/**
 * The worker's control socket: the client file's control_socket, else the worker file's, else dpd-workerd's default
 * beside it.
 */
export function workerSocket(confFile: string, configured: string | null): string {
  if (configured !== null) return configured;
  let own: unknown;
  try {
    own = readDoc(confFile).control_socket;
  } catch {
    own = undefined; // an invalid worker file: the default socket (the worker itself still runs its last good file)
  }
  return typeof own === 'string' && own !== '' ? own : `${fileBase(confFile)}.sock`;
}
