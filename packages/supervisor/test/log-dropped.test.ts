// A full disk under a relayed log: a real 64 KiB tmpfs filled while a
// program writes numbered lines. The supervisor says once that lines are
// being dropped and once that writes succeed again, with the count, and the
// count is what is missing from the file.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, readText, spec, waitFor } from './helpers.js';

const root = process.getuid!() === 0;

let box: Sandbox;
let mounted: string | undefined;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(async () => {
  // Lazily: the relay may still hold its file; the tmpfs goes once it lets go.
  if (mounted) spawnSync('umount', ['-l', mounted]);
  mounted = undefined;
  await box.cleanup();
});

/** Mounts a tmpfs of `size` at `dir`; why not, when it cannot. */
function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) return `mount -t tmpfs failed: ${mount.stderr.trim() || mount.error?.message}`;
  mounted = dir;
  return undefined;
}

/** Writes zeros to `file` until the file system is full. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!root)('a log on a full disk', () => {
  it('is reported once when lines begin to be dropped and once when writes succeed again, with the count', async (ctx) => {
    const why = mountTmpfs(box.path('small'), '64k');
    if (why) {
      console.log(`skipped: ${why}`);
      return ctx.skip();
    }
    const log = box.path('small', 'app.log');
    const sup = box.supervisor();
    // A line every 5 ms, numbered; timestamps put it through the log relay.
    const writer = 'i=0; while :; do i=$((i+1)); printf "line %06d end\\n" $i; sleep 0.005; done';
    await sup.apply([spec({ name: 'app', run: '/bin/sh', args: ['-c', writer], logs: log, log_timestamps: true })]);
    await waitFor('lines in the log', () => readText(log).includes('line 000005 end'));

    fill(box.path('small', 'filler'));
    const started = await waitFor('the first report', () => box.seen('proc.log-dropped', 'app')[0], 10_000);
    expect(started).toEqual({ name: 'app', file: log, recovered: false, lines: expect.any(Number), code: 'ENOSPC' });
    rmSync(box.path('small', 'filler'));
    const ended = await waitFor('the second report', () => box.seen('proc.log-dropped', 'app')[1], 10_000);
    expect(ended).toMatchObject({ name: 'app', file: log, recovered: true, code: 'ENOSPC' });
    expect(ended.lines).toBeGreaterThan(0);
    await sup.stop('app');

    // What is missing from the file, between its first and last whole line, is what was counted.
    const numbers = readFileSync(log, 'utf8')
      .split('\n')
      .flatMap((line) => /line (\d{6}) end$/.exec(line)?.[1] ?? [])
      .map(Number);
    const missing = numbers.at(-1)! - numbers[0]! + 1 - numbers.length;
    expect(missing).toBe(ended.lines);
    expect(box.seen('proc.log-dropped', 'app')).toHaveLength(2);
    expect(box.seen('proc.error')).toEqual([]);
  }, 30_000);
});
