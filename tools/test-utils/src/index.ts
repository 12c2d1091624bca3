// Shared by the tests of every package (loaded as TypeScript by vitest; never built or published).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<T> {
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
export function httpServerPerFile(
  routes: Record<string, string | Buffer | ((req: IncomingMessage, res: ServerResponse) => void)>,
): { base: () => string } {
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

/**
 * The codes a README's `## Error codes` section documents: the rows of its
 * table that start with a code (`| \`DPD_X\` | …`), up to the next `## `.
 */
export function documentedCodes(readmePath: string): string[] {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf('## Error codes');
  if (start < 0) throw new Error(`${readmePath}: no "## Error codes" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const table = readme.slice(start, end < 0 ? undefined : end);
  return [...new Set([...table.matchAll(/^\| `(DPD_[A-Z_]+)` \|/gm)].map((match) => match[1]!))].sort();
}

/** Every `'DPD_…'` literal in the TypeScript files under `srcDir`: the codes a package raises, reports or names. */
export function codesInSource(srcDir: string): string[] {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  const codes = files(srcDir).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/'(DPD_[A-Z_]+)'/g)].map((match) => match[1]!),
  );
  return [...new Set(codes)].sort();
}
