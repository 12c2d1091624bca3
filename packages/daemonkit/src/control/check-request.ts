// The worker's check of one request line, before anything acts on it.
// Deny by default: an unknown command, a missing or extra key, or a value
// of the wrong type is refused with the key and the reason. A JSON string
// is never taken for a boolean ("stopProcesses": "yes" once stopped every
// process).
import type { Request } from './protocol.js';

/** The keys each command takes besides `id` and `cmd`, and their JSON types. */
const SHAPES: Record<Request['cmd'], Record<string, 'string' | 'boolean'>> = {
  status: {},
  reload: {},
  start: { name: 'string' },
  stop: { name: 'string' },
  restart: { name: 'string' },
  reset: { name: 'string' },
  logs: { name: 'string' },
  shutdown: { stopProcesses: 'boolean' },
};

export type Checked = { ok: true; request: Request } | { ok: false; id: number; message: string };

const typeOf = (value: unknown) =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'an array'
      : typeof value === 'object'
        ? 'an object'
        : `${typeof value} ${JSON.stringify(value)}`;

/** One request line as the protocol allows it, or why not (with the request's id when it had one, else -1). */
export function checkRequest(line: string): Checked {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const shape = 'expected one JSON object per line: {"id": number, "cmd": string, …}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, id: -1, message: shape };
  const request = value as Record<string, unknown>;
  if (typeof request.id !== 'number' || !Number.isSafeInteger(request.id))
    return { ok: false, id: -1, message: `id: expected an integer, found ${typeOf(request.id)}; ${shape}` };
  const id = request.id;
  if (typeof request.cmd !== 'string')
    return { ok: false, id, message: `cmd: expected a string, found ${typeOf(request.cmd)}` };
  if (!Object.hasOwn(SHAPES, request.cmd))
    return {
      ok: false,
      id,
      message: `cmd: unknown command ${JSON.stringify(request.cmd)}; expected one of ${Object.keys(SHAPES).join(', ')}`,
    };
  const keys = SHAPES[request.cmd as Request['cmd']];
  for (const key of Object.keys(request)) {
    if (key !== 'id' && key !== 'cmd' && !Object.hasOwn(keys, key))
      return { ok: false, id, message: `${key}: ${request.cmd} takes no key ${JSON.stringify(key)}` };
  }
  for (const [key, type] of Object.entries(keys)) {
    if (typeof request[key] !== type)
      return {
        ok: false,
        id,
        message: `${key}: ${request.cmd} needs ${key} as a ${type === 'boolean' ? 'boolean (true or false)' : 'string'}, found ${key in request ? typeOf(request[key]) : 'nothing'}`,
      };
  }
  return { ok: true, request: request as unknown as Request };
}
