// dpd-run through its real command line: real commands, real signals, real files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, procState, waitFor } from '@diprocd/test-utils';

const BIN = fileURLToPath(new URL('../bin/dpd-run.js', import.meta.url));

let dir: string;
const running: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dpd-run-test-'));
});
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  // Whatever a test left behind (a command of a dpd-run killed with -9, say).
  for (const pid of statusLines().flatMap((line) =>
    /^cmd start (\d+)$/.exec(line) ? [Number(/\d+/.exec(line)![0])] : [],
  )) {
    if (alive(pid)) process.kill(-pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

const path = (...parts: string[]) => join(dir, ...parts);
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const statusLines = () => read(path('status')).split('\n').filter(Boolean);
/** The pids of the runs so far, from the -I file. */
const starts = () =>
  statusLines()
    .flatMap((line) => /^cmd start (\d+)$/.exec(line)?.[1] ?? [])
    .map(Number);

/** dpd-run in the background, with its output collected and its exit awaited. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, DMON_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal!)),
  );
  return { child, out, exited };
}

/** dpd-run to its end (bounded). */
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, DMON_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

/** A shell command that counts its runs in `file` and succeeds from the `okFrom`-th on. */
const failsUntil = (file: string, okFrom: number) => [
  '/bin/sh',
  '-c',
  `n=$(($(cat ${file} 2>/dev/null || echo 0) + 1)); echo $n > ${file}; echo "run $n"; [ $n -ge ${okFrom} ]`,
];

describe('retry, timeout and respawn limit', () => {
  it('-n -1: a command that fails twice then succeeds makes dpd-run exit 0 after three runs', () => {
    const result = run(['-n', '-1', '-I', path('status'), ...failsUntil(path('count'), 3)]);
    expect([result.status, read(path('count'))]).toEqual([0, '3\n']);
    expect(result.stdout).toBe('run 1\nrun 2\nrun 3\n');
    const [a, b, c] = starts();
    expect(statusLines()).toEqual([
      `cmd start ${a}`,
      `cmd exit ${a} 256`,
      `cmd start ${b}`,
      `cmd exit ${b} 256`,
      `cmd start ${c}`,
      `cmd exit ${c} 0`,
    ]);
  });

  it('-t kills a hanging command and starts it again', async () => {
    const { child, exited } = start(['-n', '-t', '300ms', '-I', path('status'), '/bin/sh', '-c', 'exec sleep 30']);
    const [first] = await waitFor('a second run', () => starts().length >= 2 && starts());
    expect(alive(first!)).toBe(false);
    expect(statusLines().slice(0, 3)).toEqual([`cmd start ${first}`, `cmd timeout ${first}`, `cmd exit ${first} 15`]);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    const last = starts().at(-1)!;
    expect(alive(last)).toBe(false);
    expect(statusLines().at(-2)).toBe(`cmd stop ${last}`);
  });

  it("-m N: respawns N times, then exits with the command's own code", () => {
    const result = run(['-n', '-m', '2', '-I', path('status'), ...failsUntil(path('count'), 99)]);
    expect([result.status, read(path('count'))]).toEqual([1, '3\n']);
    expect(result.stderr).toMatchInlineSnapshot(`
      "dpd-run: /bin/sh was respawned 2 times (-m); giving up
      "
    `);
    const coded = run(['-n', '-m', '0', '/bin/sh', '-c', 'exit 7']);
    expect(coded.status).toBe(7);
  });

  it('-i waits between successful runs', async () => {
    const { child } = start(['-n', '-i', '400ms', '-I', path('status'), '/bin/true']);
    await waitFor('the first run', () => starts().length >= 1);
    const first = Date.now();
    await waitFor('the second run', () => starts().length >= 2);
    // The first run of /bin/true ends within milliseconds; without -i the next starts after the 100 ms backoff.
    expect(Date.now() - first).toBeGreaterThanOrEqual(350);
    child.kill('SIGTERM');
  });

  it('exits 111 with the reason when the command cannot be run', () => {
    const result = run(['-n', path('missing')]);
    expect(result.status).toBe(111);
    expect(result.stderr.replaceAll(dir, 'DIR')).toMatchInlineSnapshot(`
      "dpd-run: cannot start the command: run DIR/missing: no such file or directory
      "
    `);
  });
});

describe('the load gate', () => {
  it('stops the command (state T) while a file source says the load is high, and resumes it when it falls', async () => {
    const load = path('load');
    writeFileSync(load, '5.0\n');
    const { child } = start([
      '-n',
      '-L',
      '2',
      '-l',
      '1',
      '--load-source',
      `file:${load}`,
      '-I',
      path('status'),
      '/bin/sh',
      '-c',
      'exec sleep 30',
    ]);
    const [pid] = await waitFor('the first run', () => starts().length === 1 && starts());
    await waitFor('the command to be stopped', () => procState(pid!) === 'T');
    expect(statusLines()).toContain(`cmd pause ${pid}`);
    writeFileSync(load, '0.5\n');
    await waitFor('the command to run again', () => procState(pid!) === 'S');
    expect(statusLines()).toContain(`cmd resume ${pid}`);
    expect(starts()).toEqual([pid]);
    child.kill('SIGTERM');
  });

  it("really stops the command when -L is below the machine's load average", async (context) => {
    const now = loadavg()[0]!;
    if (now < 0.02) {
      console.log(`skipped: the 1-minute load average is ${now}, no threshold above 0 is below it`);
      context.skip();
    }
    const { child } = start([
      '-n',
      '-L',
      String(now / 2),
      '-l',
      '0',
      '-I',
      path('status'),
      '/bin/sh',
      '-c',
      'exec sleep 30',
    ]);
    const [pid] = await waitFor('the first run', () => starts().length === 1 && starts());
    await waitFor('the command to be stopped', () => procState(pid!) === 'T');
    child.kill('SIGTERM');
    await waitFor('the paused command to be stopped for good', () => !alive(pid!));
  });
});

describe('the log command', () => {
  it('sees every line of several runs through one pipe, and -e adds stderr', () => {
    const out = path('out.log');
    const result = run([
      '-n',
      '-e',
      '-m',
      '2',
      '-I',
      path('status'),
      '/bin/sh',
      '-c',
      'echo "out $$"; echo "err $$" >&2; exit 1',
      '--',
      '/bin/sh',
      '-c',
      `echo "log $$" > ${path('logpid')}; exec cat >> ${out}`,
    ]);
    expect(result.status).toBe(1);
    const runs = starts();
    expect(runs).toHaveLength(3);
    expect(read(out).split('\n').filter(Boolean).sort()).toEqual(
      runs.flatMap((pid) => [`err ${pid}`, `out ${pid}`]).sort(),
    );
    const logPid = Number(read(path('logpid')).split(' ')[1]);
    expect(statusLines().filter((line) => line.startsWith('log '))).toEqual([
      `log start ${logPid}`,
      `log exit ${logPid} 0`,
    ]);
  });

  it("without -e, stderr goes where dpd-run's goes", () => {
    const out = path('out.log');
    const result = run([
      '-n',
      '-1',
      '/bin/sh',
      '-c',
      'echo to-log; echo to-terminal >&2',
      '--',
      '/bin/sh',
      '-c',
      `exec cat > ${out}`,
    ]);
    expect([result.status, read(out), result.stderr]).toEqual([0, 'to-log\n', 'to-terminal\n']);
  });

  it('the rsync example of the README works as written', (context) => {
    if (spawnSync('rsync', ['--version']).error) {
      console.log('skipped: rsync is not installed (apt-get install rsync)');
      context.skip();
    }
    mkdirSync(path('srcdir', 'sub'), { recursive: true });
    writeFileSync(path('srcdir', 'sub', 'file'), 'data\n');
    const result = run(['-n', '-1', '-L', '4.0', 'rsync', '-az', path('srcdir'), path('destdir')]);
    expect([result.status, result.stderr, read(path('destdir', 'srcdir', 'sub', 'file'))]).toEqual([0, '', 'data\n']);
  });
});

describe('options, environment and signals', () => {
  it('reads -C first, then DMON_OPTIONS, then argv; -E and -W shape what the command sees', () => {
    mkdirSync(path('work'));
    writeFileSync(path('opts'), '# a DMon options file\nonce\nenviron "GREETING=hello there"\n');
    const result = run(
      ['-C', path('opts'), '-E', 'DROPPED', '/bin/sh', '-c', 'echo "$GREETING|${DROPPED-unset}|$(pwd)|$LC_ALL"'],
      { DMON_OPTIONS: `-n -W ${path('work')}`, DROPPED: 'x', LC_ALL: 'C.UTF-8' },
    );
    expect([result.status, result.stdout]).toEqual([0, `hello there|unset|${path('work')}|C.UTF-8\n`]);
  });

  it('-r sets resource limits on the command', () => {
    const result = run(['-n', '-1', '-r', 'nofile=123', '/bin/sh', '-c', 'ulimit -n']);
    expect([result.status, result.stdout]).toEqual([0, '123\n']);
  });

  it.runIf(process.getuid?.() === 0)('-u runs the command as another user (as root)', () => {
    // -W /: nobody may not enter the test's private directory, and dpd-run says so rather than run it there.
    const result = run(['-n', '-1', '-W', '/', '-u', 'nobody', '/bin/sh', '-c', 'id -u']);
    expect([result.status, result.stdout]).toEqual([0, '65534\n']);
  });

  it('forwards SIGUSR1 with -s and otherwise ignores it', async () => {
    const out = path('trap.log');
    const trap = `trap 'echo got USR1 >> ${out}' USR1; echo ready >> ${out}; while :; do sleep 0.05; done`;
    const forwarding = start(['-n', '-s', '/bin/sh', '-c', trap]);
    await waitFor('the trap', () => read(out) === 'ready\n');
    forwarding.child.kill('SIGUSR1');
    await waitFor('the command to get USR1', () => read(out) === 'ready\ngot USR1\n');

    const ignoring = start(['-n', '-I', path('status'), '/bin/sh', '-c', 'exec sleep 30']);
    const [pid] = await waitFor('the run', () => starts().length === 1 && starts());
    ignoring.child.kill('SIGUSR1');
    ignoring.child.kill('SIGHUP');
    ignoring.child.kill('SIGTERM');
    expect(await ignoring.exited).toBe(143); // it lived to see SIGTERM
    expect(alive(pid!)).toBe(false);
  });

  it('rejects bad usage with exit 2 and bad values with a clear message', () => {
    const usage = run(['-n', '-t']);
    expect([usage.status, usage.stderr]).toMatchInlineSnapshot(`
      [
        2,
        "dpd-run: -t needs a value
      Run "dpd-run --help" for the options.
      ",
      ]
    `);
    const badDuration = run(['-n', '-t', 'soon', 'true']);
    expect([badDuration.status, badDuration.stderr.split('\n')[0]]).toEqual([
      2,
      'dpd-run: -t "soon": expected a duration such as 30, 90s, 5m, 2h, 1d or 1w',
    ]);
    const noLogCommand = run(['-n', 'true', '--']);
    expect(noLogCommand.stderr.split('\n')[0]).toBe('dpd-run: expected a log command after "--"');
    const help = run(['--help']);
    expect([help.status, help.stdout]).toEqual([
      0,
      expect.stringContaining('dpd-run -n -1 -L 4.0 rsync -az /path/to/srcdir /path/to/destdir'),
    ]);
  });
});

describe('as a daemon', () => {
  it('without -n returns once the command runs; kill $(cat PIDFILE) stops dpd-run and the command', async () => {
    const pidFile = path('dpd-run.pid');
    const result = run(['-p', pidFile, '-I', path('status'), '/bin/sh', '-c', 'exec sleep 30']);
    expect([result.status, result.stderr]).toEqual([0, '']);
    const daemon = Number(read(pidFile));
    expect(alive(daemon)).toBe(true);
    const [pid] = await waitFor('the run', () => starts().length === 1 && starts());
    expect(alive(pid!)).toBe(true);
    process.kill(daemon, 'SIGTERM');
    await waitFor('dpd-run to end', () => !alive(daemon));
    expect([alive(pid!), existsSync(pidFile)]).toEqual([false, false]);
  });

  it('without -n reports a command it cannot run and exits 1', () => {
    const result = run([path('missing')]);
    expect(result.status).toBe(1);
    expect(result.stderr.replaceAll(dir, 'DIR')).toBe(
      'dpd-run: cannot start the command: run DIR/missing: no such file or directory\n',
    );
  });
});
