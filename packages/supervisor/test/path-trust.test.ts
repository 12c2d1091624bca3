// Issue 14.2: the supervisor never writes as root where a user can point
// it. A program that owns a directory on the way to its log or pid file
// swaps a component of it for a symlink to a root-owned directory; the
// supervisor (and its log relay) must not append to, rotate, delete or
// create anything there, and must say why with DPD_UNSAFE_PATH.
import { chmodSync, chownSync, linkSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcInput } from '@diprocd/procspec';
import type { Supervisor, SupervisorError } from '@diprocd/supervisor';
import { Sandbox, program, spec, waitFor, readText } from './helpers.js';

const root = process.getuid!() === 0;
const NOBODY = 65534;
if (!root)
  console.log(
    "path-trust.test.ts: not root, so the attack by user nobody on a root supervisor is skipped; the same attack by the supervisor's own user runs",
  );

let box: Sandbox;
let sup: Supervisor;
let home: string;
let target: string;
let before: { text: string; ino: number; mtimeMs: number };

beforeEach(() => {
  box = new Sandbox();
  sup = box.supervisor();
  // The root-owned directory the attacker points at, holding a passwd file.
  target = box.path('etc');
  mkdirSync(target, { mode: 0o755 });
  writeFileSync(box.path('etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n', { mode: 0o644 });
  const stat = statSync(box.path('etc', 'passwd'));
  before = { text: readFileSync(box.path('etc', 'passwd'), 'utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs };
  home = box.path('userhome');
  mkdirSync(home, { mode: 0o755 });
});
afterEach(async () => {
  await box.cleanup();
});

/** The target directory is as it was: only passwd, same inode, same bytes, not written to. */
function expectTargetUntouched(): void {
  expect(readdirSync(target)).toEqual(['passwd']);
  const stat = statSync(box.path('etc', 'passwd'));
  expect({ text: readFileSync(box.path('etc', 'passwd'), 'utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs }).toEqual(
    before,
  );
}

/** The DPD_UNSAFE_PATH errors reported for `name`, their messages with the sandbox's path as <box>. */
const unsafe = (name: string) =>
  box
    .seen('proc.error', name)
    .map((e) => e.error as SupervisorError)
    .filter((error) => error.code === 'DPD_UNSAFE_PATH')
    .map((error) => error.message.replaceAll(box.dir, '<box>'));

const attacker = (input: Partial<ProcInput> & { name: string; args: string[] }) =>
  spec({
    run: program('swap-for-symlink.sh'),
    cwd: home,
    min_uptime: 0,
    backoff: { initial: '10ms', max: '10ms' },
    restart_limit: { starts: 4, within: '1m' },
    ...input,
  });

describe.skipIf(!root)(
  'as root: a program running as nobody owns userhome/ and swaps userhome/logs for a symlink',
  () => {
    beforeEach(() => {
      chmodSync(box.dir, 0o755); // nobody may reach its home
      chownSync(home, NOBODY, NOBODY);
    });

    it('the log relay neither appends to the target passwd nor rotates (renames, deletes) it, and the next run is refused naming the path', async () => {
      // Before the fix: rotation renamed userhome/logs/passwd through the
      // symlink (over passwd.1 there) and the relay wrote a new passwd.
      const logs = `${home}/logs/passwd`;
      await sup.apply([
        attacker({
          name: 'swap',
          user: 'nobody',
          args: [`${home}/logs`, target, '400'],
          logs,
          log_max_size: '1k',
          log_keep: 1,
        }),
      ]);
      await waitFor('DPD_UNSAFE_PATH', () => unsafe('swap').length > 0, 10_000);
      expect(unsafe('swap')[0]).toMatchInlineSnapshot(
        `"swap: logs <box>/userhome/logs/passwd: <box>/userhome/logs is a symlink, and log and pid file paths are never followed through one; nothing was written there"`,
      );
      expect(sup.status()[0]).toMatchObject({ state: 'spawn-failed' });
      expectTargetUntouched();
      // The output went to the directory the relay had opened, wherever the program moved it.
      await waitFor('the last line in the moved directory', () =>
        ['passwd', 'passwd.1'].some((name) => readText(`${home}/logs.old/${name}`).includes('line 399,')),
      );
    });

    it('plain logs: the next run does not get the target passwd as its output; it is refused naming the path', async () => {
      // Before the fix: the second run's stdout was the target passwd, opened through the symlink.
      await sup.apply([
        attacker({ name: 'plain', user: 'nobody', args: [`${home}/logs`, target], logs: `${home}/logs/passwd` }),
      ]);
      await waitFor('DPD_UNSAFE_PATH', () => unsafe('plain').length > 0, 10_000);
      expect(unsafe('plain')[0]).toMatchInlineSnapshot(
        `"plain: logs <box>/userhome/logs/passwd: <box>/userhome/logs is a symlink, and log and pid file paths are never followed through one; nothing was written there"`,
      );
      expect(sup.status()[0]).toMatchObject({ state: 'spawn-failed', restarts: 1 });
      expectTargetUntouched();
    });

    it('the pid file is not written (nor removed) through a symlink in its directory', async () => {
      // Before the fix: the second run's pid file was created in the target directory.
      const pidFile = `${home}/run/app.pid`;
      mkdirSync(`${home}/run`);
      chownSync(`${home}/run`, NOBODY, NOBODY);
      await sup.apply([
        attacker({ name: 'pid', user: 'nobody', args: [`${home}/run`, target, '0', 'stay'], pid_file: pidFile }),
      ]);
      await waitFor(
        'the second run, and the refusal',
        () =>
          sup.status()[0]!.state === 'running' &&
          sup.status()[0]!.restarts === 1 &&
          unsafe('pid').some((m) => m.includes('cannot write')),
        10_000,
      ).catch((error) => {
        throw new Error(
          `${error}: ${JSON.stringify([sup.status(), box.events.filter((e) => e.name !== 'proc.state')])}`,
        );
      });
      expect(unsafe('pid').at(-1)).toMatchInlineSnapshot(
        `"pid: cannot write pid_file <box>/userhome/run/app.pid: <box>/userhome/run is a symlink, and log and pid file paths are never followed through one; nothing was written there"`,
      );
      expectTargetUntouched();
    });
  },
);

// The same rules without root: the supervisor's own user is then the
// program's, and the paths it writes are held to them all the same.
describe('as any user', () => {
  it('refuses a log path through a symlink that the program put in place of its log directory', async () => {
    await sup.apply([attacker({ name: 'own', args: [`${home}/logs`, target], logs: `${home}/logs/passwd` })]);
    await waitFor('DPD_UNSAFE_PATH', () => unsafe('own').length > 0, 10_000);
    expect(unsafe('own')[0]).toMatchInlineSnapshot(
      `"own: logs <box>/userhome/logs/passwd: <box>/userhome/logs is a symlink, and log and pid file paths are never followed through one; nothing was written there"`,
    );
    expectTargetUntouched();
  });

  it('refuses a log in a directory that others may write to (without the sticky bit), and a hard-linked log file', async () => {
    const open = box.path('open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    linkSync(box.path('etc', 'passwd'), box.path('linked'));
    await sup.apply([
      spec({ name: 'open', logs: `${open}/app.log` }),
      spec({ name: 'linked', logs: box.path('linked') }),
    ]);
    expect(sup.status().map((s) => s.state)).toEqual(['spawn-failed', 'spawn-failed']);
    expect([...unsafe('open'), ...unsafe('linked')]).toMatchInlineSnapshot(`
      [
        "open: logs <box>/open/app.log: <box>/open is writable by others (and not sticky); nothing was written there",
        "linked: logs <box>/linked: <box>/linked has 2 hard links; nothing was written there",
      ]
    `);
    expect(readdirSync(open)).toEqual([]);
    expect(readFileSync(box.path('etc', 'passwd'), 'utf8')).toBe(before.text);
  });

  it('starts a new relay when the log directory was replaced by another real one; the old relay wrote only to the one it had open', async () => {
    const script =
      'echo "run $$"; [ -e moved ] && exec sleep 100000; mv logs logs.old && mkdir logs && touch moved; exit 1';
    await sup.apply([
      spec({
        name: 'moving',
        run: '/bin/sh',
        args: ['-c', script],
        cwd: home,
        logs: `${home}/logs/app.log`,
        log_timestamps: true,
        min_uptime: 0,
        backoff: { initial: '10ms', max: '10ms' },
      }),
    ]);
    // The first run's relay may still be starting when the second run's has written.
    const runs = () =>
      [readText(`${home}/logs.old/app.log`), readText(`${home}/logs/app.log`)].map(
        (text) => text.match(/run \d+/g)?.length ?? 0,
      );
    await waitFor('a run logged in each directory', () => runs().every((n) => n > 0));
    expect(runs()).toEqual([1, 1]);
    expect(box.seen('proc.error')).toEqual([]);
  });

  it('accepts a sticky world-writable directory such as /tmp, and creates what is missing below it', async () => {
    const sticky = box.path('sticky');
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    await sup.apply([spec({ name: 'ok', logs: `${sticky}/a/b/app.log`, pid_file: `${sticky}/run/ok.pid` })]);
    expect(sup.status()[0]).toMatchObject({ state: 'running', reason: null });
    expect(readFileSync(`${sticky}/run/ok.pid`, 'utf8')).toBe(`${sup.status()[0]!.pid}\n`);
    expect(box.seen('proc.error')).toEqual([]);
  });
});
