// Attacks on the worker's control socket (issue 14, part 4), each against a
// real dpd-workerd and its real Unix socket.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Site } from './helpers.js';

let site: Site;
beforeEach(() => {
  site = new Site();
});
afterEach(async () => {
  await site.cleanup();
});

const socketOf = (site: Site) => site.file.replace(/\.json$/, '.sock');

/** The worker's CPU time so far (user + system), in ms, and its resident memory, in bytes. */
function usage(pid: number): { cpuMs: number; rss: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuMs: ticks * 10, rss: Number(fields[21]) * 4096 };
}

interface Answer {
  id: number;
  ok: boolean;
  error?: { code: string; message: string };
}

/**
 * Sends `data` on one connection and collects the answers: until `count` came, or until the worker closes the
 * connection.
 */
function converse(
  path: string,
  data: string | Buffer,
  count = Number.POSITIVE_INFINITY,
): Promise<{ answers: Answer[]; closedByWorker: boolean }> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const answers: Answer[] = [];
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        answers.push(JSON.parse(buffered.slice(0, at)));
        buffered = buffered.slice(at + 1);
      }
      if (answers.length >= count) {
        socket.destroy();
        resolve({ answers, closedByWorker: false });
      }
    });
    // A worker that closes on us mid-write: EPIPE or ECONNRESET here, then close.
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ answers, closedByWorker: true }));
    socket.write(data);
  });
}

describe('the control socket', () => {
  it('refuses a boolean sent as a string: "stopProcesses": "yes" stops nothing', async () => {
    // Attack: {"cmd":"shutdown","stopProcesses":"yes"} was truthy and stopped every process.
    site.write([site.sleeper('a')]);
    const worker = await site.start();
    const pid = site.pids().a!;
    const { answers } = await converse(
      socketOf(site),
      `${JSON.stringify({ id: 7, cmd: 'shutdown', stopProcesses: 'yes' })}\n${JSON.stringify({
        id: 8,
        cmd: 'stop',
        name: 'a',
        force: true,
      })}\n`,
      2,
    );
    expect(answers).toMatchInlineSnapshot(`
      [
        {
          "error": {
            "code": "DPD_CONTROL_PROTOCOL",
            "message": "stopProcesses: shutdown needs stopProcesses as a boolean (true or false), found string "yes"",
          },
          "id": 7,
          "ok": false,
        },
        {
          "error": {
            "code": "DPD_CONTROL_PROTOCOL",
            "message": "force: stop takes no key "force"",
          },
          "id": 8,
          "ok": false,
        },
      ]
    `);
    expect(worker.child.exitCode).toBeNull();
    expect(site.pids()).toEqual({ a: pid });
  });

  it('cuts a 64 MiB line without a newline at 1 MiB, in linear time, and keeps serving', async () => {
    // Attack: one 64 MiB line cost the worker 39 s of CPU and 300 MB it never gave back.
    site.write([site.sleeper('a')]);
    const worker = await site.start();
    const before = usage(worker.child.pid!);
    // Before the fix the worker neither answered nor closed: this waited until the test's timeout.
    const { answers, closedByWorker } = await converse(socketOf(site), Buffer.alloc(64 * 1024 * 1024, 'x'));
    expect([answers, closedByWorker]).toEqual([
      [
        {
          id: -1,
          ok: false,
          error: {
            code: 'DPD_CONTROL_TOO_LONG',
            message: 'a request line over 1048576 bytes; the connection is closed',
          },
        },
      ],
      true,
    ]);
    const after = usage(worker.child.pid!);
    // Bounds far above what the capped reader costs (a few ms, about 1 MiB), far below the attack's.
    expect(after.cpuMs - before.cpuMs).toBeLessThan(2_000);
    expect(after.rss - before.rss).toBeLessThan(48 * 1024 * 1024);
    expect(site.states()).toEqual({ a: 'running' });
  });

  it('dpd-ctl says "permission denied", not "no worker is listening", when the socket refuses its user', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log(
        'skipped: needs root to run dpd-ctl as another user (nobody); the listening case is tested in workerd.test.ts',
      );
      context.skip();
    }
    site.write([site.sleeper('a')]);
    await site.start();
    chmodSync(site.dir, 0o755); // the directory lets nobody through; the socket (0600) does not
    chmodSync(site.file, 0o644);
    const ctl = fileURLToPath(new URL('../bin/dpd-ctl.js', import.meta.url));
    const run = spawnSync(process.execPath, [ctl, '--file', site.file, 'status'], {
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
      timeout: 20_000,
    });
    expect([run.status, run.stderr]).toEqual([
      1,
      `dpd-ctl: permission denied on ${socketOf(
        site,
      )} (EACCES): the control socket lets in only its owner; run dpd-ctl as the worker's user (e.g. with sudo) [DPD_CONTROL_DENIED]\n`,
    ]);
  });
});
