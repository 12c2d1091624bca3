// dpd-log through its real command line.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { program, waitFor } from '@diprocd/test-utils';

const BIN = fileURLToPath(new URL('../bin/dpd-log.js', import.meta.url));
const FAKE_LOGGER = program('fake-logger.sh');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpd-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], input: string, env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env, timeout: 20_000 });
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describe('dpd-log FILE', () => {
  it('appends lines with a prefix, skipping empty ones with -e, and writes a last line without newline', () => {
    const file = join(dir, 'app.log');
    expect(run(['-p', 'web: ', '-e', file], 'one\n\ntwo\nlast').status).toBe(0);
    expect(run([file], 'again\n').status).toBe(0);
    expect(read(file)).toBe('web: one\nweb: two\nweb: last\nagain\n');
  });

  it('prefixes UTC timestamps with -t, and writes to standard output without a FILE', () => {
    const result = run(['-t'], 'hello\n');
    expect(result.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello\n$/);
  });

  it('reopens the file on SIGHUP, so logrotate can move it away', async () => {
    const file = join(dir, 'app.log');
    const child = spawn(process.execPath, [BIN, file], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write('before\n');
    await waitFor('the first line', () => read(file) === 'before\n');
    renameSync(file, `${file}.1`);
    child.kill('SIGHUP');
    await waitFor('the file to be reopened', () => existsSync(file));
    child.stdin.end('after\n');
    await new Promise((resolve) => child.once('exit', resolve));
    expect([read(`${file}.1`), read(file)]).toEqual(['before\n', 'after\n']);
  });

  it('refuses to write through a symlink', () => {
    const file = join(dir, 'link.log');
    symlinkSync(join(dir, 'target'), file);
    const result = run([file], 'x\n');
    expect(result.status).toBe(1);
    // The supervisor's path check (DPD_UNSAFE_PATH), which refuses a symlink in any component.
    expect(result.stderr.replaceAll(dir, '<dir>')).toMatchInlineSnapshot(`
      "dpd-log: <dir>/link.log is a symlink, and log and pid file paths are never followed through one; nothing was written there
      "
    `);
  });
});

describe('dpd-log -d DIR', () => {
  it('writes DIR/current, rotates by size and keeps -m files', () => {
    const logs = join(dir, 'logs');
    const input = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(4, '0')} of the rotating log`).join(
      '\n',
    );
    expect(run(['-d', logs, '-s', '2k', '-m', '3', '-b'], input).status).toBe(0);
    const files = readdirSync(logs).sort();
    expect(files).toContain('current');
    const rotated = files.filter((f) => f !== 'current');
    expect(rotated).toHaveLength(3);
    for (const name of rotated) {
      expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z(-\d+)?\.log$/);
      expect(statSync(join(logs, name)).size).toBeGreaterThanOrEqual(2048);
    }
    expect(read(join(logs, 'current'))).toContain('line 0399 ');
  });

  it('rotates by age (-T)', async () => {
    const logs = join(dir, 'aged');
    mkdirSync(logs);
    const child = spawn(process.execPath, [BIN, '-d', logs, '-T', '0.2s'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write('old\n');
    await waitFor(
      'current to be older than 0.2 s',
      () => existsSync(join(logs, 'current')) && Date.now() - statSync(join(logs, 'current')).mtimeMs > 250,
    );
    child.stdin.end('new\n');
    await new Promise((resolve) => child.once('exit', resolve));
    const rotated = readdirSync(logs).filter((f) => f !== 'current');
    expect(rotated).toHaveLength(1);
    expect([read(join(logs, rotated[0]!)), read(join(logs, 'current'))]).toEqual(['old\n', 'new\n']);
  });
});

describe('dpd-log --syslog', () => {
  it('hands the lines to logger(1) with the tag, facility and priority', () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(FAKE_LOGGER, join(bin, 'logger'));
    const out = join(dir, 'logger.out');
    const result = run(['--syslog', 'vfand', '-f', 'daemon', '-P', 'err', '-e'], 'a\n\nb\n', {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_LOGGER_OUT: out,
    });
    expect(result.status).toBe(0);
    expect(read(out)).toBe('args: -t vfand -p daemon.err\na\nb\n');
  });
});

describe('usage', () => {
  it.each([[['a', 'b']], [['-s', '1k']], [['-d', 'x', '-s', 'huge']], [['-d', 'x', 'file']]])(
    'exits 2 on %j',
    (args) => {
      const result = run(args, '');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('Usage:');
    },
  );

  it('says an unknown option in one line with the --help hint, exit 2', () => {
    const result = run(['--bogus'], '');
    expect([result.status, result.stderr]).toEqual([2, 'dpd-log: unknown option --bogus; see dpd-log --help\n']);
  });
});

describe('review regressions', () => {
  it('keeps a UTF-8 character split between reads whole', async () => {
    // Bug: each chunk was decoded on its own, so "é" split across two reads became two U+FFFD.
    const file = join(dir, 'utf8.log');
    const child = spawn(process.execPath, [BIN, file], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.write(Buffer.from([0x68, 0xc3]));
    await new Promise((resolve) => setImmediate(resolve));
    child.stdin.end(Buffer.from([0xa9, 0x6c, 0x6c, 0x6f, 0x0a]));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(read(file)).toBe('héllo\n');
  });

  it('loses no line when several rotations fall in one millisecond', () => {
    // Bug: rotated names had millisecond precision and a rename replaced an earlier one.
    const logs = join(dir, 'fast');
    const input = Array.from({ length: 2000 }, (_, i) => `l${i}`).join('\n');
    expect(run(['-d', logs, '-s', '100', '-m', '10000', '-b'], input).status).toBe(0);
    const all = readdirSync(logs)
      .map((f) => read(join(logs, f)))
      .join('');
    expect(all.split('\n').filter(Boolean)).toHaveLength(2000);
  });
});
