// The spawn helper: programs are its children when it is built, it sets up
// what Node's spawn needs wrappers for, and the supervisor keeps its
// processes when the helper dies. Node's spawn (spawnHelper: false, or no
// helper built) must do the same things where both can.
import { chmodSync, existsSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, alive, program, spec, waitFor, readText } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/** A process's parent: its pid and the file name of its program. */
function parentOf(pid: number): { pid: number; command: string } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return { pid: ppid, command: basename(readlinkSync(`/proc/${ppid}/exe`)) };
}

const pidOf = (sup: Supervisor, name: string) => sup.status().find((s) => s.name === name)!.pid!;

const pids = () =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);

/** The spawn helper among the children of `parent`, if one runs. */
function helperOf(parent: number): number | undefined {
  return pids().find((pid) => {
    try {
      return parentOf(pid).pid === parent && basename(readlinkSync(`/proc/${pid}/exe`)) === 'dpd-spawn-helper';
    } catch {
      return false;
    }
  });
}

/** Live `/bin/sleep` processes sleeping one of `durations`. */
const sleeping = (durations: string[]) =>
  pids().filter(
    (pid) => alive(pid) && durations.some((d) => readText(`/proc/${pid}/cmdline`, 'latin1') === `/bin/sleep\0${d}\0`),
  );

async function report(sup: Supervisor, input: Parameters<typeof spec>[0]): Promise<Record<string, string>> {
  const out = box.path(`report-${input.name}`);
  await sup.apply([spec({ run: program('report.sh'), args: [out], ...input })]);
  expect(sup.status()[0]).toMatchObject({ state: 'running', reason: null });
  const text = await waitFor('the report', () => existsSync(out) && readFileSync(out, 'utf8'));
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
}

describe('the spawn helper', () => {
  it('is the parent of the programs, and goes when the supervisor closes; they run on', async () => {
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'a' }), spec({ name: 'b' })]);
    const helper = parentOf(pidOf(sup, 'a'));
    expect(helper.command).toBe('dpd-spawn-helper');
    expect(parentOf(pidOf(sup, 'b')).pid).toBe(helper.pid);
    const pids = [pidOf(sup, 'a'), pidOf(sup, 'b')];
    await sup.close();
    await waitFor('the helper to exit', () => !alive(helper.pid));
    expect(pids.every(alive)).toBe(true);
    // The next supervisor adopts them; its cleanup stops them.
    const next = box.supervisor();
    const result = await next.apply([spec({ name: 'a' }), spec({ name: 'b' })]);
    expect(result.adopted.sort()).toEqual(['a', 'b']);
    expect([pidOf(next, 'a'), pidOf(next, 'b')]).toEqual(pids);
  });

  it("is not used with spawnHelper: false (Node's spawn: the supervisor is the parent)", async () => {
    const sup = box.supervisor({ spawnHelper: false });
    await sup.apply([spec({ name: 'a' })]);
    expect(parentOf(pidOf(sup, 'a')).pid).toBe(process.pid);
  });

  it('reports an exec failure with the OS reason, and the other processes run', async () => {
    // Executable, but neither a binary nor a script with #!: execve says ENOEXEC.
    const bogus = box.path('bogus');
    writeFileSync(bogus, '\x7fELF but not really\n');
    chmodSync(bogus, 0o755);
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'bogus', run: bogus }), spec({ name: 'fine' })]);
    expect(sup.status().map(({ name, state, reason }) => ({ name, state, reason }))).toEqual([
      { name: 'bogus', state: 'spawn-failed', reason: `run ${bogus}: ENOEXEC` },
      { name: 'fine', state: 'running', reason: null },
    ]);
  });

  it('keeps supervising its processes when the helper is killed, and starts a new one for the next run', async () => {
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'a' })]);
    const first = pidOf(sup, 'a');
    const helper = parentOf(first).pid;
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper to be gone', () => !alive(helper));
    // No longer our child: its exit is seen by polling, and it is restarted.
    process.kill(first, 'SIGKILL');
    await waitFor(
      'a new run',
      () => sup.status()[0]!.state === 'running' && pidOf(sup, 'a') !== first && pidOf(sup, 'a'),
    );
    const again = parentOf(pidOf(sup, 'a'));
    expect(again).toMatchObject({ command: 'dpd-spawn-helper' });
    expect(again.pid).not.toBe(helper);
    expect(sup.status()[0]!.restarts).toBe(1);
  });

  it('gives each program its own environment when a burst mixes several (sent once per run of equal ones), also after a new helper', async () => {
    const sup = box.supervisor();
    const environ = (pid: number) =>
      Object.fromEntries(
        readText(`/proc/${pid}/environ`, 'latin1')
          .split('\0')
          .filter(Boolean)
          .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
      );
    const kinds = ['A', 'A', 'B', 'A', 'B', 'B', 'C', 'A'];
    const list = kinds.map((kind, i) =>
      spec({
        name: `e${i}`,
        run: '/bin/sleep',
        args: [String(7_760_000 + i)],
        env: { KIND: kind, ...(kind === 'C' ? { ONLY_C: 'yes' } : {}) },
      }),
    );
    await sup.apply(list);
    const seen = () => kinds.map((_, i) => environ(pidOf(sup, `e${i}`)));
    expect(seen().map((env) => env.KIND)).toEqual(kinds);
    expect(seen().map((env) => env.ONLY_C ?? '-')).toEqual(kinds.map((kind) => (kind === 'C' ? 'yes' : '-')));
    expect(seen().every((env) => env.LC_ALL === 'C')).toBe(true);

    // A new helper holds no environment: the first start through it must send one.
    const helper = parentOf(pidOf(sup, 'e0')).pid;
    process.kill(helper, 'SIGKILL');
    await waitFor('the helper to be gone', () => !alive(helper));
    // e7 (A) was the last start through the old helper; e0 is A too.
    const old = pidOf(sup, 'e0');
    await sup.restart('e0');
    await sup.restart('e2');
    expect(parentOf(pidOf(sup, 'e0'))).toMatchObject({ command: 'dpd-spawn-helper' });
    expect(pidOf(sup, 'e0')).not.toBe(old);
    expect([environ(pidOf(sup, 'e0')).KIND, environ(pidOf(sup, 'e2')).KIND]).toEqual(['A', 'B']);
    expect(box.seen('proc.error')).toEqual([]); // no start failed on the way
  });

  it("loses no program when the helper dies with starts in flight: forked ones are watched, the rest go to Node's spawn", async () => {
    const sup = box.supervisor();
    // Sleepers of durations no other test uses, to tell them in /proc.
    const durations = Array.from({ length: 120 }, (_, i) => String(7_770_000 + i));
    const applied = sup.apply(
      durations.map((seconds, i) => spec({ name: `p${i}`, run: '/bin/sleep', args: [seconds] })),
    );
    // Kill the helper as soon as it exists, while the burst is under way.
    const helper = await waitFor('the helper', () => helperOf(process.pid), 5_000, 1);
    process.kill(helper, 'SIGKILL');
    await applied;
    expect(
      sup
        .status()
        .filter((s) => s.state !== 'running')
        .map((s) => `${s.name} ${s.state} ${s.reason}`),
    ).toEqual([]);
    // Every program that runs is one the supervisor knows: nothing was orphaned.
    const known = new Set(sup.status().map((s) => s.pid));
    await waitFor(
      'only known programs running',
      () => sleeping(durations).every((pid) => known.has(pid)) && sleeping(durations).length === durations.length,
    );
  });

  it("falls back to Node's spawn, for the starts already asked too, when the helper cannot run here", async () => {
    const broken = box.path('not-a-helper');
    writeFileSync(broken, '#!/bin/sh\nexit 127\n');
    chmodSync(broken, 0o755);
    const sup = box.supervisor({ spawnHelperPath: broken });
    await sup.apply([spec({ name: 'a' }), spec({ name: 'b' })]);
    expect(sup.status().map((s) => s.state)).toEqual(['running', 'running']);
    expect(parentOf(pidOf(sup, 'a')).pid).toBe(process.pid);
    await sup.apply([spec({ name: 'a' }), spec({ name: 'b' }), spec({ name: 'c' })]);
    expect(parentOf(pidOf(sup, 'c')).pid).toBe(process.pid);
  });
});

describe.each([
  ['the spawn helper', true],
  ["Node's spawn", false],
])('%s', (_, spawnHelper) => {
  it('sets the umask and rlimits of the program itself (same pid), and stdin from /dev/null', async () => {
    const sup = box.supervisor({ spawnHelper });
    const r = await report(sup, { name: 'r', umask: '027', rlimits: { nofile: 200 } });
    expect({ umask: r.umask, nofile: r.nofile, stdin: r.stdin }).toEqual({
      umask: '0027',
      nofile: '200',
      stdin: '/dev/null',
    });
    expect(Number(r.pid)).toBe(pidOf(sup, 'r'));
    // The spawner under test is the one that served.
    expect(parentOf(Number(r.pid)).command).toBe(spawnHelper ? 'dpd-spawn-helper' : basename(process.execPath));
  });

  it('appends stdout and stderr to the log file, across restarts', async () => {
    const sup = box.supervisor({ spawnHelper });
    const log = box.path('out.log');
    writeFileSync(log, 'before\n');
    await sup.apply([
      spec({
        name: 'talk',
        run: '/bin/sh',
        args: ['-c', 'echo out; echo err >&2; exit 3'],
        logs: log,
        restart: 'on-failure',
        restart_limit: { starts: 2, within: '1m' },
        backoff: { initial: '1ms', max: '1ms' },
        min_uptime: 0,
      }),
    ]);
    await waitFor(
      'two runs in the log',
      () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line === 'err').length >= 2 && true,
    );
    expect(readFileSync(log, 'utf8').startsWith('before\nout\nerr\nout\nerr\n')).toBe(true);
  });
});
