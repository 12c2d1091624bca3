// Shared by the tests of every package (loaded as TypeScript by vitest; never built or published).
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The fixture programs under test-fixtures/programs. */
export const PROGRAMS = fileURLToPath(new URL('../../../test-fixtures/programs/', import.meta.url));
export const program = (name: string) => join(PROGRAMS, name);

/**
 * Polls `probe` until it returns something other than undefined/false, or
 * fails after `timeoutMs` saying what it waited for. The only way tests wait.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True while a pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** The one-letter state of a process (`R`, `S`, `T` when stopped…), or undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1];
  } catch {
    return undefined;
  }
}

/** A fresh temporary directory named after the test suite. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dpd-${prefix}-`));
}

/**
 * An HTTP server on 127.0.0.1 for the tests of the calling file (started
 * before them, closed after): `routes` maps a path to what it answers (a
 * body, or a handler); any other path is 404. `base()` is its URL.
 */
export function httpServerPerFile(routes: Record<string, string | Buffer | ((req: IncomingMessage, res: ServerResponse) => void)>): { base: () => string } {
  let server: Server | undefined;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (typeof route === 'function') return route(req, res);
      if (route !== undefined) return res.end(route);
      res.statusCode = 404;
      res.end('no');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return { base: () => base };
}
