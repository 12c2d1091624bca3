// The worker file as dpd-clientd writes it: the node's list in `procs`,
// every other key of the file kept, replaced atomically (temp file, fsync,
// rename) and only when the list changed.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '@diprocd/supervisor';

export interface WriteOutcome {
  written: boolean;
  /** Names only in the new list, only in the old one, and in both but changed. */
  added: string[];
  removed: string[];
  changed: string[];
}

type Doc = Record<string, unknown> & { procs?: unknown };

/** The file's JSON object, or {} when it is missing or not an object (the worker then reports it). */
function readDoc(path: string): Doc {
  try {
    const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Doc) : {};
  } catch {
    return {};
  }
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
    changed: [...after.keys()].filter((name) => before.has(name) && !isDeepStrictEqual(before.get(name), after.get(name))),
  };
  if (isDeepStrictEqual(doc.procs, procs)) return outcome;
  // Mode 0600: process definitions may carry secrets in env.
  writeFileAtomic(path, `${JSON.stringify({ ...doc, procs }, null, 2)}\n`, { mode: 0o600, durable: true });
  return { ...outcome, written: true };
}

/** The worker's control socket: the client file's control_socket, else the worker file's, else dpd-workerd's default beside it. */
export function workerSocket(confFile: string, configured: string | null): string {
  if (configured !== null) return configured;
  const own = readDoc(confFile).control_socket;
  return typeof own === 'string' && own !== '' ? own : `${confFile.replace(/\.json$/, '')}.sock`;
}
