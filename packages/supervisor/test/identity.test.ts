// Identity and confinement: user, groups, rlimits, chroot. Switching needs
// root (CI runs as root); without root these tests are skipped with the
// reason printed, and the non-root refusal is tested the other way round.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseProc, type ProcInput } from '@diprocd/procspec';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, program, spec, waitFor } from './helpers.js';

const root = process.getuid!() === 0;
if (!root)
  console.log('identity.test.ts: not root, so user/group/chroot switching tests are skipped (CI runs them as root)');

let box: Sandbox;
let sup: Supervisor;
beforeEach(() => {
  box = new Sandbox();
  // the reports are written by nobody; sticky as /tmp is: without it nobody could replace the root-written jail.log,
  // which is refused
  chmodSync(box.dir, 0o1777);
});
afterEach(async () => {
  await box.cleanup();
});

async function report(input: Partial<ProcInput>): Promise<Record<string, string>> {
  const out = box.path(`report-${Math.random().toString(36).slice(2)}`);
  await sup.apply([normaliseProc({ name: 'who', run: program('report.sh'), args: [out], ...input } as ProcInput)]);
  expect(sup.status()[0]).toMatchObject({ state: 'running', reason: null });
  const text = await waitFor('the report', () => existsSync(out) && readFileSync(out, 'utf8'));
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
}

// Both spawners: the spawn helper switches identity itself, Node's spawn
// through setpriv, chroot and prlimit.
describe.skipIf(!root).each([
  ['the spawn helper', true],
  ["Node's spawn", false],
])('as root, through %s', (_, spawnHelper) => {
  beforeEach(() => {
    sup = box.supervisor({ spawnHelper });
  });

  it("runs as nobody by default, with nobody's groups and not root's", async () => {
    const r = await report({});
    expect({ uid: r.uid, gid: r.gid, groups: r.groups }).toEqual({ uid: '65534', gid: '65534', groups: '65534' });
  });

  it('sets user, group and exactly the supplementary groups asked for', async () => {
    const r = await report({ user: 'nobody', group: 'nogroup', groups: ['adm', 65534] });
    expect({ uid: r.uid, gid: r.gid, groups: r.groups!.split(' ').sort() }).toEqual({
      uid: '65534',
      gid: '65534',
      groups: ['4', '65534'],
    });
  });

  it('applies rlimits to the program itself (same pid through the wrappers)', async () => {
    const r = await report({ user: 'nobody', rlimits: { nofile: 256 } });
    expect(r.nofile).toBe('256');
    expect(Number(r.pid)).toBe(sup.status()[0]!.pid);
  });

  it('fails a process whose user does not exist, with the reason', async () => {
    await sup.apply([spec({ name: 'ghost', user: 'no-such-user-dpd' })]);
    expect(sup.status()[0]).toMatchObject({
      state: 'spawn-failed',
      reason: 'user "no-such-user-dpd": unknown (not in /etc/passwd)',
    });
  });

  it('confines a process to its chroot, as its user, in its cwd', async () => {
    // A minimal root: /bin/sh and the libraries it needs, and a FIFO to block on.
    const jail = box.path('jail');
    // /bin/sh and the shared libraries ldd says it needs, wherever this system keeps them.
    const libraries = [...spawnSync('ldd', ['/bin/sh'], { encoding: 'utf8' }).stdout.matchAll(/(\/\S+) \(0x/g)].map(
      (m) => m[1]!,
    );
    for (const file of ['/bin/sh', ...libraries]) {
      mkdirSync(join(jail, dirname(file)), { recursive: true, mode: 0o755 });
      copyFileSync(file, join(jail, file));
      chmodSync(join(jail, file), 0o755);
    }
    chmodSync(jail, 0o755);
    mkdirSync(join(jail, 'work'));
    chmodSync(join(jail, 'work'), 0o777);
    expect(spawnSync('mkfifo', ['-m', '666', join(jail, 'work', 'block')]).status).toBe(0);
    await sup.apply([
      normaliseProc({
        name: 'jailed',
        run: '/bin/sh',
        args: ['-c', 'pwd > marker; read x < block'],
        chroot: jail,
        cwd: '/work',
        user: 'nobody',
        logs: box.path('jail.log'),
      } as ProcInput),
    ]);
    const { pid, state } = sup.status()[0]!;
    expect(state).toBe('running');
    await waitFor(`the marker (log: ${readFileSync(box.path('jail.log'), 'utf8')})`, () =>
      existsSync(join(jail, 'work', 'marker')),
    );
    expect(readFileSync(join(jail, 'work', 'marker'), 'utf8')).toBe('/work\n');
    expect(readlinkSync(`/proc/${pid}/root`)).toBe(jail);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\t65534\t/m);
  });
});

describe.skipIf(!root)('without root', () => {
  it('fails only the process that asks for another identity, and runs the others', () => {
    // A supervisor running as nobody, in a child process, through the built package.
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const procspec = fileURLToPath(new URL('../../procspec/dist/index.js', import.meta.url));
    const script = `
      const { Supervisor } = await import(${JSON.stringify(dist)});
      const { normaliseProc } = await import(${JSON.stringify(procspec)});
      const sup = new Supervisor({ stateDir: ${JSON.stringify(box.path('nobody-state'))} });
      await sup.apply([
        normaliseProc({ name: 'as-root', run: ${JSON.stringify(program('forever.sh'))}, user: 'root' }),
        normaliseProc({ name: 'jailed', run: ${JSON.stringify(program('forever.sh'))}, chroot: '/srv' }),
        normaliseProc({ name: 'plain', run: ${JSON.stringify(program('forever.sh'))} }),
      ]);
      console.log(JSON.stringify(sup.status().map(({ name, state, reason }) => ({ name, state, reason }))));
      await sup.close({ stopProcesses: true });
    `;
    const run = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { name: 'as-root', state: 'spawn-failed', reason: 'user "root" needs root; the supervisor runs as uid 65534' },
      { name: 'jailed', state: 'spawn-failed', reason: 'chroot /srv needs root; the supervisor runs as uid 65534' },
      { name: 'plain', state: 'running', reason: null },
    ]);
  });
});
