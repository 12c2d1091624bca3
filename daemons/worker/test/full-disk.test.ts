// dpd-workerd on a full disk: a process's relayed log on a real 64 KiB
// tmpfs that fills up. The worker logs once that lines are being dropped and
// once that writes succeed again, with the count.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Site } from './helpers.js';

let site: Site;
let mounted: string | undefined;
beforeEach(() => {
  site = new Site();
});
afterEach(async () => {
  if (mounted) spawnSync('umount', ['-l', mounted]); // lazily: the relay may still hold its file
  mounted = undefined;
  await site.cleanup();
});

describe.skipIf(process.getuid!() !== 0)('dpd-workerd with a full log disk', () => {
  it('logs proc.log-dropped when lines start to be dropped and when writes succeed again', async (ctx) => {
    const small = join(site.dir, 'small');
    mkdirSync(small);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { encoding: 'utf8' });
    if (mount.status !== 0) {
      console.log(`skipped: mount -t tmpfs failed: ${mount.stderr.trim() || mount.error?.message}`);
      return ctx.skip();
    }
    mounted = small;
    const log = join(small, 'app.log');
    const writer = 'while :; do echo a line; sleep 0.005; done';
    site.write([{ ...site.sleeper('app'), run: '/bin/sh', args: ['-c', writer], logs: log, log_timestamps: true }]);
    const worker = await site.start();

    const fd = openSync(join(small, 'filler'), 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    const began = await worker.next('proc.log-dropped', 0, 10_000);
    expect(began).toMatchObject({ level: 40, name: 'app', file: log, recovered: false, code: 'ENOSPC' });
    rmSync(join(small, 'filler'));
    const ended = await worker.next('proc.log-dropped', worker.events.indexOf(began) + 1, 10_000);
    expect(ended).toMatchObject({ level: 40, name: 'app', file: log, recovered: true, code: 'ENOSPC' });
    expect(ended.lines).toBeGreaterThanOrEqual(began.lines as number);
  }, 30_000);
});
