// Where the local worker's control socket is: --socket, DPD_SOCKET, or the
// worker file's control_socket (else the default beside the file).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '@diprocd/procspec/runtime';
import { defaultPaths } from '../workerd/paths.js';

export const DEFAULT_FILE = '/var/lib/diprocd/diprocd-worker.json';

/**
 * The socket's path; with `guess`, what to say along with "no worker is
 * listening" when the path was a guess (the worker file could not be parsed).
 */
export function socketPath(options: { socket?: string; file?: string }): { path: string; guess?: string } {
  if (options.socket) return { path: resolve(options.socket) };
  if (process.env.DPD_SOCKET && !options.file) return { path: resolve(process.env.DPD_SOCKET) };
  const file = resolve(options.file ?? DEFAULT_FILE);
  // Only the socket's path is needed: a broken worker file (when the
  // operator most needs dpd-ctl) must not stand in the way.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the worker file ${file}; give --file or --socket`);
  }
  let configured: unknown;
  try {
    configured = (JSON.parse(text) as { control_socket?: unknown }).control_socket;
  } catch {
    // Not even JSON (half-written?): the key itself is usually still there to read.
    configured = /"control_socket"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
    if (typeof configured !== 'string') {
      return {
        path: defaultPaths(file).socket,
        guess: `${file} is not valid JSON and no control_socket could be read from it, so this is the default path beside it; a worker keeps running on its last good file: if that file set control_socket, give it with --socket`,
      };
    }
  }
  return { path: typeof configured === 'string' ? resolve('/', configured) : defaultPaths(file).socket };
}
