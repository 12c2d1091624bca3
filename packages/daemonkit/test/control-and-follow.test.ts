// The control client against a real Unix socket, and FollowedFile against a real file.
import { writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@diprocd/test-utils';
import { ControlError, FollowedFile, Logger, controlRequest, type Loaded } from '@diprocd/daemonkit';

let dir: string;
let server: Server | undefined;
beforeEach(() => {
  dir = tempDir('daemonkit-control');
});
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A control socket that answers every request with `answer(id)`, written in small pieces as a busy socket would. */
function serve(answer: (id: number) => string): Promise<string> {
  const path = join(dir, 'ctl.sock');
  server = createServer((socket) => {
    socket.once('data', (chunk) => {
      const { id } = JSON.parse(chunk.toString());
      const text = answer(id);
      for (let at = 0; at < text.length; at += 8192) socket.write(text.slice(at, at + 8192));
      socket.end();
    });
  });
  return new Promise((resolve) => server!.listen(path, () => resolve(path)));
}

describe('controlRequest', () => {
  it('takes an answer far longer than a log line (a status of thousands of processes)', async () => {
    // Regression: answers were cut at 64 KiB and the first piece failed to parse, uncaught.
    const procs = Array.from({ length: 3000 }, (_, i) => ({ name: `proc-${i}`, state: 'running', pid: 1000 + i }));
    const path = await serve((id) => `${JSON.stringify({ id, ok: true, result: { procs } })}\n`);
    const result = (await controlRequest(path, { cmd: 'status' })) as unknown as { procs: unknown[] };
    expect(result.procs).toHaveLength(3000);
  });

  it('rejects an answer that is not JSON with a coded error, without throwing out of the socket', async () => {
    const path = await serve(() => 'not json\n');
    const error = await controlRequest(path, { cmd: 'status' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).code).toBe('DPD_CONTROL_PROTOCOL');
  });
});

describe('FollowedFile', () => {
  it('tries an edit again when applying it failed, and logs the failure', async () => {
    const file = join(dir, 'f.json');
    writeFileSync(file, '1');
    const lines: string[] = [];
    const log = new Logger(
      new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) }),
      'json',
      true,
    );
    const load = (_file: string, text: string): Loaded<number> => ({ ok: true, value: Number(text), warnings: [] });
    let fail = true;
    const applied: number[] = [];
    const followed = new FollowedFile(file, '1', load, log, async (value) => {
      if (fail) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      applied.push(value);
    });
    writeFileSync(file, '2');
    await expect(followed.reload('test')).rejects.toThrow('disk full');
    expect(await followed.reloadLogged('watch')).toBeUndefined();
    log.flush();
    expect(
      lines
        .join('')
        .trim()
        .split('\n')
        .some((line) => JSON.parse(line).msg === 'file.apply-failed'),
    ).toBe(true);
    fail = false;
    expect(await followed.reload('test')).toEqual({ changed: true, valid: true, issues: [] });
    expect(applied).toEqual([2]);
    await followed.close();
  });

  it('follows edits made while it watches', async () => {
    const file = join(dir, 'g.json');
    writeFileSync(file, '1');
    const applied: number[] = [];
    const followed = new FollowedFile(
      file,
      '1',
      (_f, text) => ({ ok: true, value: Number(text), warnings: [] }),
      new Logger(new Writable({ write: (_c, _e, done) => done() }), 'json', false),
      async (value) => {
        applied.push(value);
      },
    );
    followed.start();
    writeFileSync(file, '5');
    await waitFor('the edit to be applied', () => applied.includes(5));
    await followed.close();
  });
});
