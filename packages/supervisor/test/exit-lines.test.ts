// Every failure has a line: each run that was exec'd ends with proc.exit,
// its reason in words and the last lines it wrote to its log; reset counts
// restarts from 0 again; an adopted process keeps its last exit.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, program, readPid, spec, waitFor } from './helpers.js';

const BIND = 'bind() to 0.0.0.0:80 failed (98: Address already in use)';

let box: Sandbox;
let sup: Supervisor;
beforeEach(() => {
  box = new Sandbox();
  sup = box.supervisor({ daemonPidTimeoutMs: 300 });
});
afterEach(async () => {
  await box.cleanup();
});

const statusOf = (name: string) => sup.status().find((s) => s.name === name)!;
const sh = (script: string) => ({ run: '/bin/sh', args: ['-c', script] });

describe('proc.exit', () => {
  it('says why a program that exits at once ended, with the lines it wrote to its log this run', async () => {
    const log = box.path('web.log');
    writeFileSync(log, 'an earlier run wrote this\n');
    await sup.apply([
      spec({ name: 'web', run: program('say-and-exit.sh'), args: ['1', BIND], logs: log, restart: 'never' }),
    ]);
    await waitFor('web to fail', () => statusOf('web').state === 'failed');
    const [exit] = box.seen('proc.exit', 'web');
    expect(exit).toMatchObject({ code: 1, signal: null, reason: 'exited with code 1', tail: [BIND] });
    expect(statusOf('web')).toMatchObject({
      reason: 'exited with code 1',
      lastExit: { code: 1, reason: 'exited with code 1', tail: [BIND] },
    });
  });

  it('names the launcher of a daemon that failed before writing its pid file, with its words', async () => {
    const pidFile = box.path('d.pid');
    await sup.apply([
      spec({
        name: 'd',
        ...sh('echo "launcher $$ cannot daemonize" >&2; exit 3'),
        daemon: true,
        pid_file: pidFile,
        logs: box.path('d.log'),
        restart: 'never',
      }),
    ]);
    await waitFor('d to fail', () => statusOf('d').state === 'failed');
    const exits = box.seen('proc.exit', 'd');
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({
      code: 3,
      reason: `daemon launcher exited with code 3 before writing ${pidFile}`,
      tail: [`launcher ${exits[0]!.pid} cannot daemonize`],
    });
    expect(statusOf('d').reason).toBe(`daemon launcher exited with code 3 before writing ${pidFile}`);
  });

  it('names the launcher of a daemon that never wrote its pid file', async () => {
    const launcher = box.path('launcher.pid');
    await sup.apply([
      spec({
        name: 'mute',
        ...sh(`echo $$ > ${launcher}; exit 0`),
        daemon: true,
        pid_file: box.path('never.pid'),
        restart: 'never',
      }),
    ]);
    await waitFor('mute to fail', () => statusOf('mute').state === 'failed');
    const reason = `daemon did not write a live pid to ${box.path('never.pid')} within 300 ms`;
    expect(box.seen('proc.exit', 'mute')).toEqual([
      expect.objectContaining({ pid: readPid(launcher), code: null, signal: null, reason, tail: [] }),
    ]);
    expect(statusOf('mute')).toMatchObject({ reason, lastExit: { reason } });
  });

  it('has no tail for output to /dev/null, nor for lines written more than a second before the end', async () => {
    const log = box.path('slow.log');
    await sup.apply([
      spec({ name: 'quiet', run: program('say-and-exit.sh'), args: ['1', BIND], restart: 'never' }),
      spec({ name: 'slow', ...sh('echo early >&2; sleep 1.5; exit 4'), logs: log, restart: 'never' }),
    ]);
    await waitFor('both to fail', () => statusOf('quiet').state === 'failed' && statusOf('slow').state === 'failed');
    expect(readFileSync(log, 'utf8')).toBe('early\n');
    expect(box.seen('proc.exit', 'quiet')).toEqual([expect.objectContaining({ code: 1, tail: [] })]);
    expect(box.seen('proc.exit', 'slow')).toEqual([expect.objectContaining({ code: 4, tail: [] })]);
  });

  it('keeps the last 10 lines, each cut to 200 characters', async () => {
    const long = 'x'.repeat(300);
    await sup.apply([
      spec({
        name: 'chatty',
        ...sh(`i=0; while [ $i -lt 30 ]; do echo "$i ${long}" >&2; i=$((i+1)); done; exit 1`),
        logs: box.path('chatty.log'),
        restart: 'never',
      }),
    ]);
    await waitFor('chatty to fail', () => statusOf('chatty').state === 'failed');
    const tail = statusOf('chatty').lastExit!.tail;
    expect(tail).toEqual(Array.from({ length: 10 }, (_, i) => `${20 + i} ${long}`.slice(0, 200) + '…'));
  });

  it('asks the log relay for the lines still on their way, without its timestamps or its question in the log', async () => {
    // Five at once, each ending as soon as it wrote: their relays (starting too) write after the exits are seen.
    const names = ['r0', 'r1', 'r2', 'r3', 'r4'];
    await sup.apply(
      names.map((name) =>
        spec({
          name,
          ...sh(`echo "${name}: cannot open config" >&2; printf 'no newline at the end'; exit 2`),
          logs: box.path(`${name}.log`),
          log_timestamps: true,
          restart: 'never',
        }),
      ),
    );
    await waitFor('all to fail', () => names.every((name) => statusOf(name).state === 'failed'));
    await waitFor('each proc.exit', () => box.seen('proc.exit').length === names.length);
    for (const name of names) {
      const tail = [`${name}: cannot open config`, 'no newline at the end'];
      expect(box.seen('proc.exit', name)).toEqual([expect.objectContaining({ code: 2, tail })]);
      expect(statusOf(name).lastExit!.tail).toEqual(tail);
      await waitFor(
        'the relay to write both lines',
        () => readFileSync(box.path(`${name}.log`), 'utf8').split('\n').length === 3,
      );
      const log = readFileSync(box.path(`${name}.log`), 'utf8');
      expect(log).toMatch(/^\S+Z r\d: cannot open config\n\S+Z no newline at the end\n$/);
    }
  });

  it('gives each relayed run its own lines, not those of the run before', async () => {
    const count = box.path('count');
    await sup.apply([
      spec({
        name: 'again',
        ...sh(`n=$(cat ${count} 2>/dev/null || echo 0); echo $((n+1)) > ${count}; echo "run $n"; exit 1`),
        logs: box.path('again.log'),
        log_max_size: '1M',
        restart_limit: { starts: 3, within: '60s' },
        backoff: { initial: '10ms', max: '10ms' },
      }),
    ]);
    await waitFor('again to give up', () => statusOf('again').state === 'gave-up');
    await waitFor('its three exits', () => box.seen('proc.exit', 'again').length === 3);
    expect(box.seen('proc.exit', 'again').map((e) => e.tail)).toEqual([['run 0'], ['run 1'], ['run 2']]);
  });

  it('has told every held event of a relayed process when close() resolves', async () => {
    await sup.apply([spec({ name: 'relayed', logs: box.path('relayed.log'), log_timestamps: true })]);
    await sup.close({ stopProcesses: true });
    expect(box.seen('proc.exit', 'relayed')).toEqual([
      expect.objectContaining({ reason: 'stopped: killed by SIGTERM' }),
    ]);
    expect(box.seen('proc.stop', 'relayed')).toHaveLength(1);
  });

  it('reads nothing through a symlink the program put where its log was', async () => {
    const secret = box.path('secret.txt');
    writeFileSync(secret, 'root-only secret\n');
    mkdirSync(box.path('logs'));
    await sup.apply([
      spec({
        name: 'swap',
        run: program('swap-for-symlink.sh'),
        args: [box.path('logs'), box.dir, '2'],
        logs: box.path('logs', 'secret.txt'),
        restart: 'never',
      }),
    ]);
    await waitFor('swap to fail', () => statusOf('swap').state === 'failed');
    expect(box.seen('proc.exit', 'swap')).toEqual([expect.objectContaining({ code: 1, tail: [] })]);
    expect(JSON.stringify(statusOf('swap'))).not.toContain('root-only secret');
  });
});

describe('reset', () => {
  it('counts restarts from 0 again, for a process that gave up and for one that runs', async () => {
    const flag = box.path('flag');
    // Fails twice, then runs.
    const r = spec({
      name: 'r',
      ...sh(
        `n=$(cat ${flag} 2>/dev/null || echo 0); echo $((n+1)) > ${flag}; [ "$n" -ge 2 ] && exec sleep 100000; exit 1`,
      ),
      backoff: { initial: '10ms', max: '10ms' },
    });
    await sup.apply([
      r,
      spec({
        name: 'c',
        run: program('exit-with.sh'),
        args: ['1'],
        restart_limit: { starts: 3, within: '60s' },
        backoff: { initial: '10ms', max: '10ms' },
      }),
    ]);
    await waitFor('c to give up', () => statusOf('c').state === 'gave-up');
    await waitFor('r to run', () => statusOf('r').state === 'running' && statusOf('r').restarts === 2);
    expect(statusOf('c').restarts).toBe(2);

    expect((await sup.reset('r')).restarts).toBe(0);
    const pid = statusOf('r').pid;
    await sup.reset('c');
    await waitFor('c to give up again', () => statusOf('c').state === 'gave-up');
    expect(box.seen('proc.start', 'c').map((e) => e.restarts)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(statusOf('c').restarts).toBe(2);

    // A supervisor that adopts r after the reset counts from the reset too (its record says so).
    await sup.close();
    const next = box.supervisor();
    expect((await next.apply([r])).adopted).toEqual(['r']);
    expect(next.status()[0]).toMatchObject({ pid, restarts: 0 });
  });
});

describe('adoption', () => {
  /** The journal's records, as a new supervisor reads them. */
  const journal = () =>
    readFileSync(box.path('state', 'records.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));

  it('keeps the last exit, with its reason and tail, across a supervisor restart', async () => {
    const flag = box.path('flag');
    const proc = spec({
      name: 'a',
      ...sh(`[ -e ${flag} ] && exec sleep 100000; touch ${flag}; echo boom >&2; exit 2`),
      logs: box.path('a.log'),
      backoff: { initial: '10ms', max: '10ms' },
    });
    await sup.apply([proc]);
    await waitFor('a to run again', () => statusOf('a').state === 'running' && statusOf('a').restarts === 1);
    const before = statusOf('a').lastExit;
    expect(before).toMatchObject({ code: 2, reason: 'exited with code 2', tail: ['boom'] });
    await sup.close();

    const next = box.supervisor();
    expect((await next.apply([proc])).adopted).toEqual(['a']);
    expect(next.status()[0]).toMatchObject({ state: 'running', adopted: 'state', restarts: 1, lastExit: before });
  });

  // Regression from a review: a relay's late answer put the lines in lastExit but not in the record the next run had
  // written already, so an adopting supervisor's LAST EXIT had no tail.
  it("keeps a relayed exit's tail in the record, told after the next run started", async () => {
    const flag = box.path('flag');
    const proc = spec({
      name: 'a',
      ...sh(`[ -e ${flag} ] && exec sleep 100000; touch ${flag}; echo boom; exit 2`),
      logs: box.path('a.log'),
      log_timestamps: true,
      backoff: { initial: '0ms', max: '0ms' },
    });
    await sup.apply([proc]);
    await waitFor('a to run again', () => statusOf('a').state === 'running' && statusOf('a').restarts === 1);
    await waitFor('its tail', () => statusOf('a').lastExit?.tail.length === 1);
    await sup.close();
    const last = journal()
      .filter((line) => line.name === 'a')
      .at(-1);
    expect(last).toMatchObject({ record: { lastExit: { tail: ['boom'] } } });
  });

  it('adopts from a record of the previous shape (no lastExit), showing none', async () => {
    const proc = spec({ name: 'a', run: program('exit-with.sh'), args: ['0', '100000', box.dir] });
    await sup.apply([proc]);
    const pid = statusOf('a').pid;
    await sup.close();
    const entry = journal().findLast((line) => line.name === 'a');
    const { pid: p, startTime, startedAt, digest, stop } = entry.record;
    // As the previous version wrote it: these keys and no others.
    const old = { version: 3, name: 'a', record: { pid: p, startTime, startedAt, restarts: 4, digest, stop } };
    appendFileSync(box.path('state', 'records.jsonl'), `${JSON.stringify(old)}\n`);

    const next = box.supervisor();
    expect((await next.apply([proc])).adopted).toEqual(['a']);
    expect(next.status()[0]).toMatchObject({ pid, restarts: 4, lastExit: null });
    await next.stop('a');
    expect(next.status()[0]!.lastExit).toMatchObject({ code: null, signal: null, reason: /^stopped: ended/, tail: [] });
  });
});

// Regressions from a review of this part: a program's own words reached `dpd-ctl status` with their control
// characters (one could move the cursor and rewrite another program's row), and a relayed process removed by
// apply() had its proc.exit and proc.stop held past the apply, so close() lost them and a process of the same
// name applied again was told started before the old one was told stopped.
describe('what a program says, and when', () => {
  it.each([false, true])('escapes control characters in the tail (relayed: %s)', async (relayed) => {
    const script = String.raw`printf '\033[1A\r\033[2Kweb   running  4242\n'; exit 1`;
    await sup.apply([
      spec({ name: 'evil', ...sh(script), logs: box.path('evil.log'), log_timestamps: relayed, restart: 'never' }),
    ]);
    const [exit] = await waitFor(
      'its proc.exit',
      () => box.seen('proc.exit', 'evil').length > 0 && box.seen('proc.exit', 'evil'),
    );
    expect(exit).toMatchObject({ tail: ['\\x1b[1A\\x0d\\x1b[2Kweb   running  4242'] });
    expect(statusOf('evil').lastExit?.tail).toEqual(['\\x1b[1A\\x0d\\x1b[2Kweb   running  4242']);
  });

  it('has told a relayed process removed by apply() stopped when apply() resolves, before its successor starts', async () => {
    const order: string[] = [];
    sup.on('proc.start', ({ name, pid }) => order.push(`start ${name} ${pid}`));
    sup.on('proc.exit', ({ name, pid }) => order.push(`exit ${name} ${pid}`));
    sup.on('proc.stop', ({ name }) => order.push(`stop ${name}`));
    const x = spec({ name: 'x', logs: box.path('x.log'), log_timestamps: true });
    await sup.apply([x]);
    const first = statusOf('x').pid;
    await sup.apply([]);
    expect(order).toEqual([`start x ${first}`, `exit x ${first}`, 'stop x']);
    await sup.apply([x]);
    const second = statusOf('x').pid;
    await sup.close();
    expect(order).toEqual([`start x ${first}`, `exit x ${first}`, 'stop x', `start x ${second}`]);
  });
});
