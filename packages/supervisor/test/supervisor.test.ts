// The supervisor on real processes: fixture programs, real signals, temp dirs.
import { chmodSync, existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, alive, program, readPid, spec, waitFor } from './helpers.js';

let box: Sandbox;
let sup: Supervisor;

beforeEach(() => {
  box = new Sandbox();
  sup = box.supervisor();
});
afterEach(async () => {
  await box.cleanup();
});

const statusOf = (name: string) => sup.status().find((s) => s.name === name)!;
const stat = (pid: number) =>
  readFileSync(`/proc/${pid}/stat`, 'latin1')
    .slice(readFileSync(`/proc/${pid}/stat`, 'latin1').lastIndexOf(')') + 2)
    .split(' ');

describe('starting', () => {
  it('runs each process in its own session with stdin from /dev/null, LC_ALL=C, env, cwd and umask', async () => {
    const out = box.path('report');
    await sup.apply([
      spec({
        name: 'r',
        run: program('report.sh'),
        args: [out],
        env: { GREETING: 'hello' },
        cwd: '/tmp',
        umask: '027',
      }),
    ]);
    const { pid, state } = statusOf('r');
    expect(state).toBe('running');
    const report = await waitFor('the report', () => existsSync(out) && readFileSync(out, 'utf8'));
    expect(report).toContain(`pid=${pid}\n`);
    expect(report).toMatch(/umask=0?027\ncwd=\/tmp\nlc_all=C\ngreeting=hello\n/);
    expect(report).toContain('stdin=/dev/null');
    const [, , pgid, sid] = stat(pid!);
    expect([Number(pgid), Number(sid)]).toEqual([pid, pid]);
  });

  it('sends stdout and stderr to logs, and to /dev/null without logs', async () => {
    const log = box.path('logs', 'talk.log');
    await sup.apply([
      spec({ name: 'talk', run: program('talk.sh'), logs: log }),
      spec({ name: 'quiet', run: program('talk.sh') }),
    ]);
    await waitFor('both lines in the log', () =>
      /to stdout\nto stderr\n|to stderr\nto stdout\n/.test(readFileSync(log, 'utf8')),
    );
    expect(readlinkSync(`/proc/${statusOf('quiet').pid}/fd/1`)).toBe('/dev/null');
  });

  it('writes pid_file atomically and removes it when the process stops', async () => {
    const pidFile = box.path('run', 'p.pid');
    await sup.apply([spec({ name: 'p', pid_file: pidFile })]);
    expect(readPid(pidFile)).toBe(statusOf('p').pid);
    await sup.stop('p');
    expect(readPid(pidFile)).toBeUndefined();
  });

  it('fails one process with the OS reason and runs the others', async () => {
    const result = await sup.apply([
      spec({ name: 'missing', run: box.path('no-such-program') }),
      spec({ name: 'not-exec', run: program('../original/diprocd-worker.example.json') }),
      spec({ name: 'bad-cwd', cwd: box.path('nowhere') }),
      spec({ name: 'not-in-path', run: 'no-such-command-dpd' }),
      spec({ name: 'fine' }),
    ]);
    expect(result.started).toHaveLength(5);
    const reasons = Object.fromEntries(
      sup
        .status()
        .map((s) => [
          s.name,
          `${s.state}: ${s.reason === null ? '-' : s.reason.replaceAll(box.dir, 'BOX').replace(/\(.*\)/, '(PATH)')}`,
        ]),
    );
    expect(reasons).toEqual({
      missing: 'spawn-failed: run BOX/no-such-program: no such file or directory',
      'not-exec': expect.stringMatching(/^spawn-failed: run .*diprocd-worker.example.json: not an executable file$/),
      'bad-cwd': 'spawn-failed: cwd BOX/nowhere: no such file or directory',
      'not-in-path': 'spawn-failed: run no-such-command-dpd: not found in PATH (PATH)',
      fine: 'running: -',
    });
    expect(box.seen('proc.error').map((e) => e.error.code)).toEqual(Array(4).fill('DPD_SPAWN_FAILED'));
  });

  it('sees a program that became executable at the next start (file checks hold for one burst only)', async () => {
    const script = box.path('later.sh');
    writeFileSync(script, '#!/bin/sh\nexec sleep 100000\n', { mode: 0o644 });
    await sup.apply([spec({ name: 'later', run: script, restart: 'never' })]);
    expect(statusOf('later')).toMatchObject({ state: 'spawn-failed', reason: `run ${script}: not an executable file` });
    chmodSync(script, 0o755);
    await sup.start('later');
    expect(statusOf('later')).toMatchObject({ state: 'running', reason: null });
  });

  it('keeps no "missing" answer within a burst: a directory that an earlier start of the same apply created is found', async () => {
    const dir = box.path('made-by-a-log');
    await sup.apply([
      spec({ name: 'too-early', cwd: dir, restart: 'never' }),
      spec({ name: 'logger', logs: `${dir}/out.log` }),
      spec({ name: 'after', cwd: dir }),
    ]);
    expect(statusOf('too-early')).toMatchObject({
      state: 'spawn-failed',
      reason: `cwd ${dir}: no such file or directory`,
    });
    expect(statusOf('logger').state).toBe('running');
    expect(statusOf('after')).toMatchObject({ state: 'running', reason: null });
  });

  it('starts a process only once the processes it depends on run', async () => {
    await sup.apply([
      spec({ name: 'web', depends: ['db'] }),
      spec({ name: 'db' }),
      spec({ name: 'worker', depends: ['broken'] }),
      spec({ name: 'broken', run: box.path('missing') }),
    ]);
    expect(box.seen('proc.start').map((e) => e.name)).toEqual(['db', 'web']);
    expect(statusOf('worker').state).toBe('waiting');
    await sup.start('worker');
    expect(statusOf('worker').state).toBe('running');
  });
});

describe('restart policy', () => {
  it('restarts a crashed process', async () => {
    await sup.apply([spec({ name: 'crash', run: program('exit-with.sh'), args: ['3', '0.2'], min_uptime: '100ms' })]);
    const first = statusOf('crash').pid;
    await waitFor('two restarts', () => statusOf('crash').restarts >= 2);
    expect(statusOf('crash').pid).not.toBe(first);
    expect(box.seen('proc.exit', 'crash')[0]).toMatchObject({ pid: first, code: 3, signal: null, timedOut: false });
  });

  it('gives up past restart_limit, and starts again after reset', async () => {
    const crashing = spec({
      name: 'c',
      run: program('exit-with.sh'),
      args: ['1'],
      restart_limit: { starts: 3, within: '60s' },
      backoff: { initial: '10ms', max: '20ms' },
    });
    await sup.apply([crashing]);
    await waitFor('gave up', () => statusOf('c').state === 'gave-up');
    expect(box.seen('proc.start', 'c')).toHaveLength(3);
    expect(box.seen('proc.gave-up', 'c')).toEqual([{ name: 'c', starts: 3, withinMs: 60_000 }]);
    expect(statusOf('c').reason).toBe('more than 3 starts within 60000 ms');
    expect(box.seen('proc.backoff', 'c').map((e) => e.delayMs)).toEqual([10, 20]);

    await sup.reset('c');
    await waitFor('gave up again', () => statusOf('c').state === 'gave-up');
    expect(box.seen('proc.start', 'c')).toHaveLength(6);
  });

  it('on-failure retries a failure and stops after the first success', async () => {
    const flag = box.path('flag');
    await sup.apply([
      spec({
        name: 'once',
        run: '/bin/sh',
        args: ['-c', `test -f ${flag} || { touch ${flag}; exit 1; }; exit 0`],
        restart: 'on-failure',
        backoff: { initial: '10ms' },
      }),
    ]);
    await waitFor('exited', () => statusOf('once').state === 'exited');
    expect(statusOf('once')).toMatchObject({ restarts: 1, lastExit: { code: 0 }, pid: null });
  });

  it('stops a run that outlives its timeout and applies restart', async () => {
    await sup.apply([spec({ name: 'slow', timeout: '300ms', restart: 'never' })]);
    const pid = statusOf('slow').pid!;
    await waitFor('the timeout', () => statusOf('slow').state === 'failed');
    expect(alive(pid)).toBe(false);
    expect(statusOf('slow')).toMatchObject({
      lastExit: { signal: 'SIGTERM', timedOut: true },
      reason: 'ran longer than its timeout of 300 ms',
    });
  });
});

describe('what a program leaves in its process group', () => {
  // The spawn helper says whether anything of the group is left when the program exits; Node's spawn cannot, and the
  // group is looked at anyway.
  const spawners = [
    ['the spawn helper', true],
    ["Node's spawn", false],
  ] as const;

  it.each(spawners)('goes with it when the run ends on its own (%s)', async (_how, spawnHelper) => {
    const own = box.supervisor({ spawnHelper, stateDir: box.path('own-state') });
    const file = box.path(`left-${spawnHelper}`);
    await own.apply([
      spec({
        name: 'leaver',
        run: '/bin/sh',
        args: ['-c', `sleep 100000 & echo $! > ${file}.tmp && mv ${file}.tmp ${file}; exit 3`],
        restart: 'never',
      }),
    ]);
    const left = await waitFor('the background sleep', () => readPid(file));
    await waitFor('what the program left to be killed', () => !alive(left));
    expect(own.status()[0]).toMatchObject({ name: 'leaver', lastExit: { code: 3 } });
  });

  it.each(spawners)(
    'is waited for at a stop, and killed at stop_timeout when it ignores the stop signal (%s)',
    async (_how, spawnHelper) => {
      const own = box.supervisor({ spawnHelper, stateDir: box.path(`deaf-state-${spawnHelper}`) });
      const file = box.path(`deaf-${spawnHelper}`);
      // The program dies of SIGTERM; the sleep it started ignores it (its pid is written once the trap is set, not at
      // the fork).
      await own.apply([
        spec({
          name: 'deaf',
          run: '/bin/sh',
          args: [
            '-c',
            `(trap '' TERM; exec sh -c 'echo $$ > ${file}.tmp && mv ${file}.tmp ${file}; exec sleep 100000') & wait`,
          ],
          stop_timeout: '300ms',
        }),
      ]);
      const deaf = await waitFor('the background sleep', () => readPid(file));
      const started = Date.now();
      await own.stop('deaf');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(alive(deaf)).toBe(false);
      expect(own.status()[0]).toMatchObject({ state: 'stopped' });
    },
  );
});

describe('stopping', () => {
  it('kills the whole process group, grandchildren included', async () => {
    const file = box.path('grandchild');
    await sup.apply([spec({ name: 'tree', run: program('fork-grandchild.sh'), args: [file] })]);
    const grandchild = await waitFor('the grandchild', () => readPid(file));
    expect(alive(grandchild)).toBe(true);
    await sup.stop('tree');
    expect(alive(grandchild)).toBe(false); // stop() resolves only once the whole group is gone
    expect(statusOf('tree').state).toBe('stopped');
  });

  it('kills a process that ignores SIGTERM after stop_timeout', async () => {
    const log = box.path('ignore.log');
    await sup.apply([spec({ name: 'stubborn', run: program('ignore-sigterm.sh'), logs: log, stop_timeout: '300ms' })]);
    await waitFor('the trap to be set', () => readFileSync(log, 'utf8').includes('ready'));
    const pid = statusOf('stubborn').pid!;
    const started = Date.now();
    await sup.stop('stubborn');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(alive(pid)).toBe(false);
    expect(statusOf('stubborn')).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
  });

  it('keeps an operator stop across an apply of a changed spec', async () => {
    await sup.apply([spec({ name: 'a' })]);
    await sup.stop('a');
    const result = await sup.apply([spec({ name: 'a', args: [], env: { NEW: '1' } })]);
    expect(result).toMatchObject({ restarted: [], updated: ['a'] });
    expect(statusOf('a').state).toBe('stopped');
    await sup.start('a');
    expect(statusOf('a').state).toBe('running');
  });

  // Regression: the state-table rewrite recorded a stopped run's exit in the action that followed the state
  // change, so a proc.state listener saw "stopped" with the previous run's lastExit, and proc.exit came after it.
  it('tells the exit of a stopped run before the state it leads to, for a stop and for a removal', async () => {
    await sup.apply([spec({ name: 'a' }), spec({ name: 'b' })]);
    const order: string[] = [];
    const seen: Record<string, unknown> = {};
    sup.on('proc.exit', ({ name }) => order.push(`${name} exit`));
    sup.on('proc.stop', ({ name }) => order.push(`${name} stop`));
    sup.on('proc.state', ({ name, to }) => {
      order.push(`${name} ${to}`);
      if (to === 'stopped') seen[name] = sup.status().find((p) => p.name === name)?.lastExit?.signal;
    });
    await sup.stop('a');
    await sup.apply([spec({ name: 'a' })]);
    expect({ order, seen }).toEqual({
      order: ['a stopping', 'a exit', 'a stopped', 'a stop', 'b stopping', 'b exit', 'b removed', 'b stop'],
      seen: { a: 'SIGTERM' },
    });
  });

  it('pauses and resumes the group, and a paused process can still be stopped', async () => {
    await sup.apply([spec({ name: 'p' })]);
    const pid = statusOf('p').pid!;
    await sup.pause('p');
    expect(statusOf('p').state).toBe('paused');
    await waitFor('SIGSTOP to take effect', () => stat(pid)[0] === 'T');
    await sup.resume('p');
    await waitFor('SIGCONT to take effect', () => stat(pid)[0] === 'S');
    await sup.pause('p');
    await sup.stop('p');
    expect(alive(pid)).toBe(false);
    await expect(sup.pause('p')).rejects.toMatchObject({
      code: 'DPD_ILLEGAL_TRANSITION',
      message: 'p: cannot pause while stopped',
    });
  });
});

describe('converging', () => {
  it('moves only the changed entry, and applying the same list twice does nothing', async () => {
    const list = [spec({ name: 'a' }), spec({ name: 'b' }), spec({ name: 'c' })];
    await sup.apply(list);
    const before = Object.fromEntries(sup.status().map((s) => [s.name, s.pid]));

    expect(await sup.apply(list)).toEqual({
      started: [],
      stopped: [],
      restarted: [],
      updated: [],
      unchanged: ['a', 'b', 'c'],
      adopted: [],
      warnings: [],
    });
    const result = await sup.apply([list[0]!, spec({ name: 'b', env: { CHANGED: '1' } }), spec({ name: 'd' })]);
    expect(result).toEqual({
      started: ['d'],
      stopped: ['c'],
      restarted: ['b'],
      updated: [],
      unchanged: ['a'],
      adopted: [],
      warnings: [],
    });
    const after = Object.fromEntries(sup.status().map((s) => [s.name, s.pid]));
    expect(after.a).toBe(before.a);
    expect(after.b).not.toBe(before.b);
    expect(Object.keys(after)).toEqual(['a', 'b', 'd']);
    expect(alive(before.c!)).toBe(false);
  });

  it('starts a process that gave up again when its spec changes', async () => {
    await sup.apply([
      spec({ name: 'g', run: program('exit-with.sh'), args: ['1'], restart_limit: { starts: 1, within: '60s' } }),
    ]);
    await waitFor('gave up', () => statusOf('g').state === 'gave-up');
    await sup.apply([spec({ name: 'g' })]);
    expect(statusOf('g').state).toBe('running');
  });

  it('takes specs as a worker file has them, and normalises them (issue 15: a raw spec crashed in startOrder)', async () => {
    const out = box.path('raw-report');
    const result = await sup.apply([
      {
        name: 'raw',
        run: program('report.sh'),
        args: [out],
        user: process.getuid!(),
        env: { GREETING: 'raw' },
        stop_timeout: '2s',
      },
    ]);
    expect(result.started).toEqual(['raw']);
    expect(result.warnings).toEqual([]);
    expect(statusOf('raw')).toMatchObject({ state: 'running', reason: null });
    expect(await waitFor('the report', () => existsSync(out) && readFileSync(out, 'utf8'))).toContain('greeting=raw\n');
    // The same spec, normalised by procspec, is the same process: nothing moves.
    expect(
      (await sup.apply([spec({ name: 'raw', run: program('report.sh'), args: [out], env: { GREETING: 'raw' } })]))
        .unchanged,
    ).toEqual(['raw']);
  });

  // A newcomer's finding: a misspelled key in a written spec was dropped without a word.
  it('says what procspec warns of in a written spec: an unknown key, with the nearest known one', async () => {
    const result = await sup.apply([{ name: 'typo', run: '/bin/sleep', args: ['30'], restrat: 'always' } as never]);
    expect(result.started).toEqual(['typo']);
    expect(result.warnings).toMatchInlineSnapshot(`
      [
        "apply: process "typo" (entry 0): restrat: unknown key, ignored; did you mean "restart"? [DPD_SPEC_UNKNOWN_KEY]",
      ]
    `);
  });

  it('refuses a list with a spec that does not validate, naming the process, the field and why, and stops nothing', async () => {
    await sup.apply([spec({ name: 'keep' })]);
    const { pid } = statusOf('keep');
    const bad = [
      spec({ name: 'keep' }),
      { name: 'web', run: '/bin/sleep', args: 30, restart: 'sometimes' },
      { run: '/bin/true' },
      { name: 'new', run: '/bin/sleep', args: ['30'] },
    ];
    // What JavaScript, or a cast, can hand over.
    const error = await sup.apply(bad as never).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'SupervisorError', code: 'DPD_INVALID_SPEC' });
    expect((error as Error).message).toMatchInlineSnapshot(`
      "apply: process "web" (entry 1) does not validate:
        args: expected an array of strings, found 30 [DPD_SPEC_TYPE]
        restart: expected true, false, "always", "on-failure" or "never", found "sometimes" [DPD_SPEC_VALUE]
      apply: entry 2 (no name) does not validate:
        name: required key is missing; expected a name of 1 to 128 characters, without "/", NUL or control characters, not starting with "." [DPD_SPEC_REQUIRED]"
    `);
    expect(sup.status().map((s) => [s.name, s.state, s.pid])).toEqual([['keep', 'running', pid]]);
    expect(alive(pid!)).toBe(true);
    await expect(sup.apply('web' as never)).rejects.toMatchObject({
      code: 'DPD_INVALID_SPEC',
      message: 'apply: expected an array of process specs, found string',
    });
  });

  // Regressions from a review: an entry with every key of a normalised spec was taken as one without a look at its
  // values, so `depends: null` stopped what was running and then crashed in startOrder, `stop_timeout: "1s"` made
  // a stop that never sent SIGKILL, and inherited keys or a hole in the list got through.
  it('takes a copy of a normalised spec only as exactly what procspec makes, and refuses the rest before anything moves', async () => {
    await sup.apply([spec({ name: 'keep' })]);
    const { pid } = statusOf('keep');
    const copy = structuredClone(spec({ name: 'copy' }));
    const bad = [
      spec({ name: 'keep' }),
      { ...spec({ name: 'web' }), depends: null },
      { ...spec({ name: 'slow' }), stop_timeout: '1s' },
      Object.create(spec({ name: 'heir' })),
      undefined,
      copy,
    ];
    const error = await sup.apply(bad as never).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "apply: process "web" (entry 1) has every key of a normalised spec, but its fields do not have the types of one (proc.depends is not iterable)
      apply: process "slow" (entry 2) has every key of a normalised spec, but its values do not validate:
        stop_timeout: expected a duration such as 10 or "500ms", "10s", "5m", "1h", found "1sms" [DPD_SPEC_DURATION]
      apply: process "heir" (entry 3) does not validate:
        name: required key is missing; expected a name of 1 to 128 characters, without "/", NUL or control characters, not starting with "." [DPD_SPEC_REQUIRED]
        run: required key is missing; expected a non-empty string without NUL [DPD_SPEC_REQUIRED]
        log_pipe: log_pipe cannot be used with logs; choose one destination for the output [DPD_SPEC_CONFLICT]
      apply: entry 4 (no name) does not validate:
        expected an object, found nothing [DPD_SPEC_TYPE]"
    `);
    expect(sup.status().map((s) => [s.name, s.state, s.pid])).toEqual([['keep', 'running', pid]]);
    expect(alive(pid!)).toBe(true);
    // A hole is an entry too (an array of length 3 with nothing at 1).
    const holed = Object.assign(new Array(3), { 0: spec({ name: 'keep' }), 2: copy });
    await expect(sup.apply(holed as never)).rejects.toMatchObject({
      code: 'DPD_INVALID_SPEC',
    });
    // The copy alone is what procspec makes: it runs, and stays the same process when the original comes.
    expect((await sup.apply([spec({ name: 'keep' }), copy])).started).toEqual(['copy']);
    expect((await sup.apply([spec({ name: 'keep' }), spec({ name: 'copy' })])).unchanged).toEqual(['keep', 'copy']);
    // Taken once, the copy is not checked again while it stays the same; changed, it is.
    expect((await sup.apply([spec({ name: 'keep' }), copy])).unchanged).toEqual(['keep', 'copy']);
    (copy as { stop_timeout: unknown }).stop_timeout = '1s';
    await expect(sup.apply([spec({ name: 'keep' }), copy])).rejects.toMatchObject({ code: 'DPD_INVALID_SPEC' });
  });

  it('reports an unknown name with a coded error', async () => {
    await expect(sup.stop('nope')).rejects.toMatchObject({
      code: 'DPD_UNKNOWN_PROCESS',
      message: 'no process named "nope"',
    });
  });
});
