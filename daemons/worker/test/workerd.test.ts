// dpd-workerd and dpd-ctl through their real command lines: real worker
// processes, real files, real signals.
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { program } from '@diprocd/test-utils';
import { Site, alive, waitFor } from './helpers.js';

let site: Site;
beforeEach(() => {
  site = new Site();
});
afterEach(async () => {
  await site.cleanup();
});

describe('dpd-workerd follows its file', () => {
  it('starts the listed processes', async () => {
    site.write([site.sleeper('a'), site.sleeper('b')]);
    const worker = await site.start();
    expect(site.states()).toEqual({ a: 'running', b: 'running' });
    expect(worker.events.find((e) => e.msg === 'file.load')).toMatchObject({ started: ['a', 'b'], adopted: [] });
    // Through the supervisor's spawn helper, found in the installed package although the worker is one bundle.
    const ppid = readFileSync(`/proc/${site.pids().a}/stat`, 'latin1').split(') ')[1]!.split(' ')[1];
    const helper = fileURLToPath(new URL('./dpd-spawn-helper', import.meta.resolve('@diprocd/supervisor')));
    expect(readFileSync(`/proc/${ppid}/cmdline`, 'latin1').split('\0')[0]).toBe(helper);
  });

  it('moves exactly the added, removed and changed processes on an edit', async () => {
    site.write([site.sleeper('keep'), site.sleeper('drop'), site.sleeper('change')]);
    const worker = await site.start();
    const before = site.pids();
    const seen = worker.events.length;
    site.write([site.sleeper('keep'), { ...site.sleeper('change'), args: ['99999'] }, site.sleeper('add')]);
    const reload = await worker.next('file.reload', seen);
    expect(reload).toMatchObject({ started: ['add'], stopped: ['drop'], restarted: ['change'], unchanged: 1 });
    const after = site.pids();
    expect(after.keep).toBe(before.keep);
    expect(after.change).not.toBe(before.change);
    expect(Object.keys(after)).toEqual(['keep', 'change', 'add']);
    expect(alive(before.drop!)).toBe(false);
  });

  it('sees a file replaced by an atomic rename', async () => {
    site.write([site.sleeper('a')]);
    const worker = await site.start();
    const seen = worker.events.length;
    site.replace([site.sleeper('a'), site.sleeper('b')]);
    expect(await worker.next('file.reload', seen)).toMatchObject({ started: ['b'] });
  });

  it('reports an invalid or half-written file with path and reason, and stops nothing', async () => {
    site.write([site.sleeper('a')]);
    const worker = await site.start();
    const before = site.pids();
    let seen = worker.events.length;
    site.write([{ ...site.sleeper('a'), args: 'oops' }]);
    const invalid = await worker.next('file.invalid', seen);
    expect(invalid.issues).toEqual([
      `${site.file}:procs[0].args: error: expected an array of strings, found "oops" [DPD_SPEC_TYPE]`,
    ]);
    expect(invalid.keeping).toBe('the last good state');

    seen = worker.events.length;
    writeFileSync(site.file, readFileSync(site.file, 'utf8').slice(0, 20));
    expect(((await worker.next('file.invalid', seen)).issues as string[])[0]).toMatch(
      /: error: not valid JSON: .* \(line \d+, column \d+\) \[DPD_SPEC_JSON\]$/,
    );
    expect(site.pids()).toEqual(before);
    expect(alive(before.a!)).toBe(true);

    const status = site.ctl('status');
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(
      new RegExp(
        `^dpd-ctl: ${site.file.replaceAll(
          '/',
          '\\/',
        )} is invalid; the worker runs its last good state:\n.*DPD_SPEC_JSON\\]\n$`,
      ),
    );

    const reload = site.ctl('reload');
    expect(reload.code).toBe(1);
    expect(reload.stderr).toMatch(
      /^dpd-ctl: the worker file is invalid; the last good state keeps running:\n.*DPD_SPEC_JSON/,
    );

    // The last good file back: said at info level, and nothing moves.
    seen = worker.events.length;
    site.write([site.sleeper('a')]);
    expect(await worker.next('file.restored', seen)).toMatchObject({ level: 30, file: site.file });
    expect(site.pids()).toEqual(before);
    expect(site.ctl('status').stderr).toBe('');
  });

  it('re-reads the file on SIGHUP', async () => {
    site.write([site.sleeper('a')]);
    // -v: a re-read that finds the file as it was is logged too (file.unchanged, at debug level).
    const worker = await site.start('-v');
    const seen = worker.events.length;
    site.write([site.sleeper('a'), site.sleeper('b')]);
    worker.child.kill('SIGHUP');
    // The file watch sees the same edit and may apply it first (regression: CI saw reason "watch");
    // either way SIGHUP makes one re-read of its own, and b starts exactly once.
    await waitFor('the re-read SIGHUP asked for', () =>
      worker.events
        .slice(seen)
        .some((e) => (e.msg === 'file.reload' || e.msg === 'file.unchanged') && e.reason === 'signal'),
    );
    const reloads = await waitFor('the reload that started b', () => {
      const found = worker.events.slice(seen).filter((e) => e.msg === 'file.reload');
      return found.length > 0 && found;
    });
    expect(reloads).toEqual([expect.objectContaining({ started: ['b'] })]);
  });
});

describe('every failure has a line', () => {
  const BIND = 'bind() to 0.0.0.0:80 failed (98: Address already in use)';

  it('logs proc.exit with the reason and the log lines, and dpd-ctl status shows them', async () => {
    site.write([
      site.sleeper('ok'),
      {
        name: 'web',
        run: program('say-and-exit.sh'),
        args: ['1', BIND],
        logs: `${site.dir}/web.log`,
        restart: 'never',
        env: { SITE: site.dir },
      },
    ]);
    const worker = await site.start();
    const exit = await worker.next('proc.exit');
    expect(exit).toMatchObject({ name: 'web', code: 1, reason: 'exited with code 1', tail: [BIND] });
    await waitFor('web to fail', () => site.states().web === 'failed');

    const table = site.ctl('status').stdout.split('\n');
    expect(table[1]).toMatch(/^ok\s+running\s+\d+\s+\d+s\s+0\s+-$/);
    expect(table[2]).toMatch(/^web\s+failed\s+-\s+-\s+0\s+code 1\s+exited with code 1; log: /);
    expect(table[2]!.endsWith(`  exited with code 1; log: ${BIND}`)).toBe(true);
    const web = JSON.parse(site.ctl('status', '--json').stdout).procs[1];
    expect(web).toMatchObject({
      state: 'failed',
      reason: 'exited with code 1',
      lastExit: { code: 1, reason: 'exited with code 1', tail: [BIND] },
    });
  });

  it('keeps LAST EXIT across a worker restart that adopts the process', async () => {
    const flag = `${site.dir}/flag`;
    site.write([
      {
        name: 'a',
        run: '/bin/sh',
        args: ['-c', `[ -e ${flag} ] && exec sleep 100000; touch ${flag}; echo boom >&2; exit 2`],
        logs: `${site.dir}/a.log`,
        user: process.getuid!(), // to write its flag in the site's directory
        backoff: { initial: '10ms', max: '10ms' },
        env: { SITE: site.dir },
      },
    ]);
    const first = await site.start();
    const status = () => JSON.parse(site.ctl('status', '--json').stdout).procs[0];
    await waitFor('a to run again', () => status().state === 'running' && status().restarts === 1);
    const before = status();
    expect(before.lastExit).toMatchObject({ code: 2, reason: 'exited with code 2', tail: ['boom'] });

    first.child.kill('SIGKILL');
    await first.exited;
    await site.start();
    expect(status()).toMatchObject({ pid: before.pid, adopted: 'state', restarts: 1, lastExit: before.lastExit });
    expect(site.ctl('status').stdout.split('\n')[1]).toMatch(/^a\s+running\s+\d+\s+\d+s\s+1\s+code 2$/);
  });
});

describe('dpd-workerd restarts safely', () => {
  it('after kill -9, a new worker adopts the same pids and duplicates nothing', async () => {
    site.write([site.sleeper('a'), site.sleeper('b')]);
    const first = await site.start();
    const before = site.pids();
    first.child.kill('SIGKILL');
    await first.exited;
    const second = await site.start();
    expect(second.events.find((e) => e.msg === 'file.load')).toMatchObject({ started: [], adopted: ['a', 'b'] });
    expect(site.pids()).toEqual(before);
    expect(site.running().sort()).toEqual(Object.values(before).sort());
  });

  it('a second copy on the same file says so and exits 0 without touching anything', async () => {
    site.write([site.sleeper('a')]);
    await site.start();
    const before = site.pids();
    const pidFile = site.file.replace(/\.json$/, '.pid');
    const holder = readFileSync(pidFile, 'utf8');
    const second = site.workerd('-f', '--log-format', 'json', site.file);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stderr.trim().split('\n').at(-1)!)).toMatchObject({
      msg: 'worker.running',
      eventPid: Number(holder),
    });
    expect(readFileSync(pidFile, 'utf8')).toBe(holder);
    expect(site.pids()).toEqual(before);
  });

  it('SIGTERM leaves the processes running; stop_on_exit stops them', async () => {
    site.write([site.sleeper('a')]);
    const first = await site.start();
    const { a } = site.pids();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(alive(a!)).toBe(true);

    site.write([site.sleeper('a')], { stop_on_exit: true });
    const second = await site.start();
    expect(site.pids().a).toBe(a);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await waitFor('the process to be stopped', () => !alive(a!));
  });

  it('runs as a daemon without -f: returns once ready, and stops with dpd-ctl shutdown', async () => {
    site.write([site.sleeper('a')]);
    const started = site.workerd(site.file);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^dpd-workerd: started \(pid (\d+)\), logging to .*worker\.log\n$/);
    const daemon = Number(/pid (\d+)/.exec(started.stdout)![1]);
    expect(Number(readFileSync(site.file.replace(/\.json$/, '.pid'), 'utf8'))).toBe(daemon);
    expect(site.states()).toEqual({ a: 'running' });
    const { a } = site.pids();
    expect(site.ctl('shutdown', '--stop-processes')).toMatchObject({
      code: 0,
      stdout: 'the worker is stopping its processes and exiting\n',
    });
    await waitFor('the daemon to exit', () => !alive(daemon));
    expect(alive(a!)).toBe(false);
  });

  it('refuses an invalid file at start, naming file, path and reason', () => {
    site.write([{ name: 'x' }]);
    const run = site.workerd('-f', site.file);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `dpd-workerd: ${site.file}: invalid worker file, nothing started\n${site.file}:procs[0].run: error: required key is missing; expected a non-empty string without NUL [DPD_SPEC_REQUIRED]\n`,
    );
  });
});

describe('dpd-ctl', () => {
  it('changes what status shows with each command', async () => {
    site.write([site.sleeper('a'), { name: 'crash', run: '/bin/false', restart_limit: { starts: 1 } }]);
    await site.start();
    await waitFor('crash to give up', () => site.states().crash === 'gave-up');

    expect(site.ctl('stop', 'a')).toMatchObject({ code: 0, stdout: 'a: stopped\n' });
    expect(site.states().a).toBe('stopped');
    const started = site.ctl('start', 'a');
    expect(started.stdout).toMatch(/^a: running \(pid \d+\)\n$/);
    const pid = site.pids().a;
    site.ctl('restart', 'a');
    expect(site.pids().a).not.toBe(pid);
    expect(site.ctl('reset', 'crash').code).toBe(0);
    await waitFor('crash to give up again', () => site.states().crash === 'gave-up');

    const table = site.ctl('status').stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+STATE\s+PID\s+UPTIME\s+RESTARTS\s+LAST EXIT\s+REASON$/);
    expect(table[1]).toMatch(/^a\s+running\s+\d+\s+\d+s\s+2\s+SIGTERM$/);
    // Reset counts restarts from 0 again: it gave up again after one start, none of them a restart.
    expect(table[2]).toMatch(/^crash\s+gave-up\s+-\s+-\s+0\s+code 1\s+more than 1 starts within 60000 ms$/);
  });

  it('prints a process log', async () => {
    site.write([
      { name: 'talk', run: '/bin/sh', args: ['-c', 'echo hello; exec sleep 100000'], logs: `${site.dir}/talk.log` },
    ]);
    await site.start();
    await waitFor('the log line', () => site.ctl('logs', 'talk').stdout === 'hello\n');
  });

  it('says clearly when the process is unknown or no worker listens', async () => {
    site.write([site.sleeper('a')]);
    await site.start();
    expect(site.ctl('stop', 'nope')).toMatchObject({
      code: 1,
      stderr: 'dpd-ctl: no process named "nope" [DPD_UNKNOWN_PROCESS]\n',
    });
    site.ctl('shutdown');
    await waitFor('the socket to go', () => site.ctl('status').code === 3);
    expect(site.ctl('status').stderr).toMatch(
      /^dpd-ctl: no worker is listening on .*worker\.sock \(ENOENT\); is dpd-workerd running\? \[DPD_CONTROL_UNREACHABLE\]\n$/,
    );
  });
});

describe('dpd-workerd tells the operator why', () => {
  it('logs proc.error with DPD_UNSAFE_PATH and the path when a log path passes through a symlink, and the rest runs', async () => {
    // Issue 14.2: the root worker must not write a log through a symlink a user put on the way.
    mkdirSync(join(site.dir, 'real'));
    symlinkSync(join(site.dir, 'real'), join(site.dir, 'link'));
    site.write([site.sleeper('ok'), { ...site.sleeper('bad'), logs: join(site.dir, 'link', 'app.log') }]);
    const worker = await site.start();
    const logged = await worker.next('proc.error');
    expect({
      ...logged,
      time: undefined,
      pid: logged.pid === worker.child.pid ? '<the worker>' : logged.pid,
      hostname: logged.hostname === hostname() ? '<this host>' : logged.hostname,
      message: String(logged.message).replaceAll(site.dir, '<site>'),
    }).toMatchInlineSnapshot(`
      {
        "code": "DPD_UNSAFE_PATH",
        "hostname": "<this host>",
        "level": 50,
        "message": "bad: logs <site>/link/app.log: <site>/link is a symlink, and log and pid file paths are never followed through one; nothing was written there",
        "msg": "proc.error",
        "name": "bad",
        "pid": "<the worker>",
        "time": undefined,
      }
    `);
    expect(site.states()).toEqual({ ok: 'running', bad: 'spawn-failed' });
    expect(readdirSync(join(site.dir, 'real'))).toEqual([]);
  });
});

describe('review regressions', () => {
  it('answers malformed control requests and keeps running', async () => {
    // Bug: a "null" line made the worker throw inside the rejection handler and die.
    site.write([site.sleeper('a')]);
    const worker = await site.start();
    const { createConnection } = await import('node:net');
    const socket = createConnection(site.file.replace(/\.json$/, '.sock'));
    const answers: string[] = [];
    socket.on('data', (chunk) => answers.push(...chunk.toString().trim().split('\n')));
    socket.write('null\n[]\n"x"\n{"id":1}\n{"id":2,"cmd":"stop","name":5}\nnot json\n');
    await waitFor('six answers', () => answers.length >= 6);
    socket.destroy();
    expect(answers.map((a) => JSON.parse(a).error.code)).toEqual(Array(6).fill('DPD_CONTROL_PROTOCOL'));
    expect(worker.child.exitCode).toBeNull();
    expect(site.states()).toEqual({ a: 'running' });
  });

  it('starts although its pid file names a live worker of another file', async () => {
    // Bug: any process whose command line mentioned dpd-workerd counted as "already running".
    const other = new Site();
    try {
      other.write([other.sleeper('o')]);
      const otherWorker = await other.start();
      site.write([site.sleeper('a')]);
      writeFileSync(site.file.replace(/\.json$/, '.pid'), `${otherWorker.child.pid}\n`);
      await site.start();
      expect(site.states()).toEqual({ a: 'running' });
    } finally {
      await other.cleanup();
    }
  });

  it('finds a custom control_socket even while the worker file is not JSON', async () => {
    // Bug: dpd-ctl fell back to the default socket beside the file and said no worker was listening.
    writeFileSync(
      site.file,
      JSON.stringify({ control_socket: `${site.dir}/custom.sock`, procs: [site.sleeper('a')] }, null, 2),
    );
    await site.start();
    const text = readFileSync(site.file, 'utf8');
    writeFileSync(site.file, text.slice(0, text.indexOf('"procs"') + 12)); // half-written, control_socket still in it
    const status = site.ctl('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^NAME/);
  });

  it('says so when the socket was a guess because the worker file holds no readable control_socket', async () => {
    // A new user broke the example file while its worker ran: "no worker is listening" alone read as if it had stopped.
    writeFileSync(site.file, JSON.stringify({ control_socket: `${site.dir}/custom.sock`, procs: [site.sleeper('a')] }));
    await site.start();
    writeFileSync(site.file, '{"procs": [');
    const status = site.ctl('status');
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('[DPD_CONTROL_UNREACHABLE]');
    expect(status.stderr).toContain('is not valid JSON and no control_socket could be read from it');
    expect(site.ctl('--socket', `${site.dir}/custom.sock`, 'status').code).toBe(0);
  });

  it('ends quietly when the reader of dpd-ctl logs goes away', async () => {
    // Bug: `dpd-ctl logs x | head -1` died with an EPIPE stack trace.
    const log = `${site.dir}/big.log`;
    writeFileSync(log, 'line\n'.repeat(200_000));
    site.write([{ name: 'big', run: '/bin/sleep', args: ['100000'], logs: log }]);
    await site.start();
    const { spawnSync } = await import('node:child_process');
    const ctl = new URL('../bin/dpd-ctl.js', import.meta.url).pathname;
    const run = spawnSync('sh', ['-c', `"${process.execPath}" "${ctl}" --file "${site.file}" logs big | head -1`], {
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('line\n');
    expect(run.stderr).toBe('');
  });
});
