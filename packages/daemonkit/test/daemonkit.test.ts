// The daemon plumbing with real processes and files: the pid-file lock
// against a live holder, the readiness handshake of a daemon start, and the
// shared argument rules.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@diprocd/test-utils';
import { Logger, lockPidFile, parseDaemonArgs, startDaemon, UsageError } from '@diprocd/daemonkit';

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = tempDir('daemonkit');
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.length = 0;
  rmSync(dir, { recursive: true, force: true });
});

/** A live process whose command line looks like `dpd-<program> <file>`: a Node script by that name. */
function fakeDaemon(program: string, file: string): ChildProcess {
  const script = join(dir, `dpd-${program}.js`);
  writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, [script, file], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('lockPidFile', () => {
  it('takes a free pid file, writes this pid, and removes it on release', () => {
    const path = join(dir, 'run', 'd.pid');
    const lock = lockPidFile(path, 'workerd', '/etc/w.json');
    expect(lock.held).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    if (lock.held) lock.release();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });

  it('answers "running" when a live copy of the same daemon for the same file holds it', async () => {
    const path = join(dir, 'd.pid');
    const holder = fakeDaemon('masterd', join(dir, 'm.json'));
    await waitFor('the holder to run', () => holder.pid);
    writeFileSync(path, `${holder.pid}\n`);
    expect(lockPidFile(path, 'masterd', join(dir, 'm.json'))).toEqual({ held: false, pid: holder.pid });
  });

  it('replaces a pid file naming another daemon, another file, or a dead pid', async () => {
    const path = join(dir, 'd.pid');
    const other = fakeDaemon('clientd', join(dir, 'm.json'));
    await waitFor('the other daemon to run', () => other.pid);
    for (const [pid, program, file] of [
      [other.pid!, 'masterd', join(dir, 'm.json')],
      [other.pid!, 'clientd', join(dir, 'other.json')],
      [2 ** 22 + 1, 'clientd', join(dir, 'm.json')],
    ] as const) {
      writeFileSync(path, `${pid}\n`);
      const lock = lockPidFile(path, program, file);
      expect(lock.held).toBe(true);
      if (lock.held) lock.release();
    }
  });
});

describe('startDaemon', () => {
  const script = (body: string) => {
    const path = join(dir, 'd.mjs');
    writeFileSync(
      path,
      `import { readinessNotifier } from ${JSON.stringify(require.resolve('@diprocd/daemonkit').replace(/\.cjs$/, '.js'))};\nconst n = readinessNotifier();\n${body}\n`,
    );
    return path;
  };

  it('returns once the daemon says it is ready, with its pid; the daemon keeps running detached', async () => {
    const started = await startDaemon(script('n.ready(); setTimeout(() => {}, 60_000);'), [], join(dir, 'd.log'));
    expect(started.outcome).toBe('ready');
    const pid = (started as { pid: number }).pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    process.kill(pid, 'SIGKILL');
  });

  it('passes on the error a daemon reports, and notices one that dies without a word', async () => {
    expect(await startDaemon(script("n.error('bad file\\nline 2'); process.exit(1);"), [], join(dir, 'd.log'))).toEqual(
      { outcome: 'error', message: 'bad file; line 2' },
    );
    expect(await startDaemon(script("console.log('dying'); process.exit(3);"), [], join(dir, 'd.log'))).toEqual({
      outcome: 'died',
    });
    expect(readFileSync(join(dir, 'd.log'), 'utf8')).toContain('dying');
  });

  it('does not leak the notification variable to what the daemon starts', async () => {
    const started = await startDaemon(
      script(
        "import { writeFileSync } from 'node:fs'; writeFileSync(process.argv[2], JSON.stringify(process.env.DPD_NOTIFY_FD ?? null)); n.running(42);",
      ),
      [join(dir, 'env.json')],
      join(dir, 'd.log'),
    );
    expect(started).toEqual({ outcome: 'running', pid: 42 });
    expect(readFileSync(join(dir, 'env.json'), 'utf8')).toBe('null');
  });
});

describe('Logger', () => {
  const sink = () => {
    const writes: string[] = [];
    return { writes, out: new Writable({ write: (chunk, _enc, done) => (writes.push(chunk.toString()), done()) }) };
  };

  it('writes what was logged meanwhile in one write, a few ms later: after the immediates and sooner timers queued with it', async () => {
    const { writes, out } = sink();
    const log = new Logger(out, 'json', false);
    const fields: Record<string, unknown> = { pid: 1 };
    const before = Date.now();
    log.info('proc.exit', fields);
    const after = Date.now(); // the write comes at least 5 ms later
    log.debug('proc.state'); // not verbose: dropped
    log.info('proc.restart', { restarts: 1 });
    fields.pid = 2; // the line keeps what was logged
    const seen: number[] = [];
    setImmediate(() => seen.push(writes.length));
    setTimeout(() => seen.push(writes.length), 1);
    await waitFor('the lines', () => writes.length > 0);
    expect(seen).toEqual([0, 0]);
    expect(writes).toHaveLength(1);
    const lines = writes[0]!
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.msg, line.level])).toEqual([
      ['proc.exit', 30],
      ['proc.restart', 30],
    ]);
    expect(lines[0].eventPid).toBe(1);
    // The time is when it was logged, not when it was written.
    expect(lines[0].time).toBeGreaterThanOrEqual(before);
    expect(lines[0].time).toBeLessThanOrEqual(after);
  });

  it('writes its last lines before a process that has nothing else to do ends', () => {
    const script = join(dir, 'last-words.mjs');
    writeFileSync(
      script,
      `import { Logger } from ${JSON.stringify(require.resolve('@diprocd/daemonkit').replace(/\.cjs$/, '.js'))};\nnew Logger(process.stderr, 'json', false).info('ready', { pid: process.pid });\n`,
    );
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stderr)).toMatchObject({ level: 30, msg: 'ready', pid: run.pid, eventPid: run.pid });
  });

  it('writes what it kept at once on flush(), in the human format on a terminal', () => {
    const { writes, out } = sink();
    const log = new Logger(out, 'human', true);
    log.debug('file.load', { started: 2, note: null });
    log.warn('proc.gave-up', { name: 'a' });
    log.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} DEBUG file\.load started=2\n\d\d:\d\d:\d\d\.\d{3} WARN {2}proc\.gave-up name=a\n$/,
    );
    log.flush();
    expect(writes).toHaveLength(1);
  });
});

describe('parseDaemonArgs', () => {
  it('reads -f -v --log-format and one file', () => {
    expect(parseDaemonArgs(['-f', '-v', '--log-format', 'json', 'w.json'], 'worker file')).toEqual({
      file: 'w.json',
      foreground: true,
      verbose: true,
      logFormat: 'json',
    });
    expect(parseDaemonArgs(['--help'], 'worker file')).toBe('help');
  });

  it('names the mistake', () => {
    expect(() => parseDaemonArgs([], 'master file')).toThrow(new UsageError('expected exactly one master file'));
    expect(() => parseDaemonArgs(['--log-format', 'xml', 'm.json'], 'master file')).toThrow(/human or json, not "xml"/);
    expect(() => parseDaemonArgs(['-x', 'm.json'], 'master file')).toThrow(UsageError);
  });
});
