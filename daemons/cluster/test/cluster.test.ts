// dpd-masterd, dpd-clientd and dpd-workerd together, as an operator runs
// them: real daemons, real ZeroMQ and HTTP on 127.0.0.1, real files.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKeyFile, writeKeyFiles } from '@diprocd/transport';
import { describe, expect, it } from 'vitest';
import { Cluster, clusterPerTest, alive, waitFor, type ClusterNode } from './helpers.js';

const MASTERD = fileURLToPath(new URL('../bin/dpd-masterd.js', import.meta.url));
let cluster: Cluster;
clusterPerTest((c) => (cluster = c));

interface Host {
  name: string;
  liveness: string;
  revision: number;
  applied: number | null;
}
interface ProcRow {
  node: string;
  name: string;
  status: string;
  pid: number | null;
}

const names = (node: ClusterNode) => node.file().procs.map((proc) => proc.name);
/** Waits until a node's worker runs exactly `expected` (by name). */
const runs = (node: ClusterNode, expected: string[]) =>
  waitFor(`${node.name} to run ${expected.join(', ')}`, () => {
    const pids = node.pids();
    return (
      JSON.stringify(Object.keys(pids).sort()) === JSON.stringify([...expected].sort()) &&
      Object.values(pids).every(alive) &&
      pids
    );
  });

describe('a master with three nodes', () => {
  it('sends each node its own list, moves only what an edit changes, and node1 never sees node10', async () => {
    const s = (name: string, seconds?: number) => cluster.sleeper(name, seconds);
    cluster.writeMaster({ node1: [s('a1'), s('b1')], node10: [s('a10')], node2: [s('a2')] });
    await cluster.startMaster();
    const nodes = await Promise.all(['node1', 'node10', 'node2'].map((name) => cluster.node(name).start()));
    const [node1, node10, node2] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const before = {
      node1: await runs(node1, ['a1', 'b1']),
      node10: await runs(node10, ['a10']),
      node2: await runs(node2, ['a2']),
    };
    expect(node1.file().comment_kept).toBe('a key the client must keep');

    // node1 gains c1 and loses b1, node2's a2 changes, node10 is not mentioned by the change.
    const marks = nodes.map((node) => node.client!.events.length);
    cluster.writeMaster({ node1: [s('a1'), s('c1')], node10: [s('a10')], node2: [s('a2', 99_999)] });
    const after1 = await runs(node1, ['a1', 'c1']);
    await waitFor('node2 to restart a2', () => node2.pids().a2 !== before.node2.a2 && alive(node2.pids().a2!));
    expect(after1.a1).toBe(before.node1.a1);
    expect(alive(before.node1.b1!)).toBe(false);
    expect(alive(before.node2.a2!)).toBe(false);
    expect(node10.pids()).toEqual(before.node10);

    const reload = await cluster.master!.next('file.reload');
    expect(reload.nodes).toEqual({
      node1: { start: ['c1'], stop: ['b1'], restart: [] },
      node2: { start: [], stop: [], restart: ['a2'] },
    });
    expect(node10.client!.seen('worker-file.write', marks[1])).toEqual([]);
    // Exact topics: no node's worker file ever held another node's process.
    for (const node of nodes) {
      const written = node
        .client!.seen('worker-file.write')
        .flatMap((e) => [...(e.added as string[]), ...(e.changed as string[])]);
      expect(
        written.every((name) => name.endsWith(node.name.slice(4)) && !(node.name === 'node1' && name.endsWith('10'))),
      ).toBe(true);
    }

    // Every node's next report shows it (regression: CI read the view while node10's report still lacked a10).
    const expected = JSON.stringify(
      [
        ['node1', 'a1'],
        ['node1', 'c1'],
        ['node10', 'a10'],
        ['node2', 'a2'],
      ].map((row) => [...row, 'running']),
    );
    const status = await waitFor('the API to show every process running', async () => {
      const rows = await cluster.get<ProcRow[]>('/api/status');
      return JSON.stringify(rows.map((row) => [row.node, row.name, row.status])) === expected && rows;
    });
    expect(status.map((row) => [row.node, row.name, row.status])).toEqual([
      ['node1', 'a1', 'running'],
      ['node1', 'c1', 'running'],
      ['node10', 'a10', 'running'],
      ['node2', 'a2', 'running'],
    ]);
    expect(status.find((row) => row.name === 'a1')!.pid).toBe(before.node1.a1);
  });

  it('never writes over a worker file that is not valid JSON, and writes once it is fixed', async () => {
    cluster.writeMaster({ node1: [cluster.sleeper('a')] });
    await cluster.startMaster();
    const node1 = cluster.node('node1');
    writeFileSync(node1.workerFile, '{"procs": [], "state_dir": "/somewhere/else", ');
    await node1.startClient();
    const refused = await node1.client!.next('worker-file.unwritable');
    expect(refused.code).toBe('DPD_WORKER_FILE_INVALID');
    expect(readFileSync(node1.workerFile, 'utf8')).toBe('{"procs": [], "state_dir": "/somewhere/else", ');
    writeFileSync(
      node1.workerFile,
      JSON.stringify({ procs: [], stop_on_exit: true, state_dir: join(node1.dir, 'state') }),
    );
    await node1.client!.next('worker-file.write', 0, 5_000);
    expect(node1.file()).toMatchObject({
      state_dir: join(node1.dir, 'state'),
      stop_on_exit: true,
      procs: [{ name: 'a' }],
    });
  });

  it('keeps the last good state when the master file turns invalid', async () => {
    cluster.writeMaster({ node1: [cluster.sleeper('a')] });
    await cluster.startMaster();
    const node1 = await cluster.node('node1').start();
    const { a } = await runs(node1, ['a']);
    writeFileSync(cluster.masterFile, '{"nodes": {"node1": [{"name": "a"');
    const invalid = await cluster.master!.next('file.invalid');
    expect((invalid.issues as string[])[0]).toContain(cluster.masterFile);
    writeFileSync(
      cluster.masterFile,
      JSON.stringify({ ...cluster.endpoints, nodes: { node1: [{ name: 'a', run: '/bin/sleep', args: 'x' }] } }),
    );
    const typed = await cluster.master!.next('file.invalid', cluster.master!.events.indexOf(invalid) + 1);
    expect((typed.issues as string[]).join('\n')).toMatch(/nodes\.node1\[0\]\.args/);
    expect(names(node1)).toEqual(['a']);
    expect(node1.pids()).toEqual({ a });
  });
});

describe('when daemons die and come back', () => {
  it('a client started after the master gets its list; the master killed leaves every process running; restarted with an edit, nodes converge', async () => {
    cluster.writeMaster({ node1: [cluster.sleeper('a')], node2: [cluster.sleeper('b')] });
    await cluster.startMaster();
    const node1 = await cluster.node('node1').start();
    const node2 = await cluster.node('node2').start();
    const [p1, p2] = [await runs(node1, ['a']), await runs(node2, ['b'])];

    await cluster.master!.stop('SIGKILL');
    await node1.client!.next('master.disconnected');
    expect([alive(p1.a!), alive(p2.b!), names(node1), names(node2)]).toEqual([true, true, ['a'], ['b']]);

    cluster.writeMaster({ node1: [cluster.sleeper('a'), cluster.sleeper('a2')], node2: [cluster.sleeper('b')] });
    await cluster.startMaster();
    const after = await runs(node1, ['a', 'a2']);
    expect(after.a).toBe(p1.a);
    expect(node2.pids()).toEqual(p2);
  });

  it('reports a node whose clientd is killed as down, and alive again once it is back', async () => {
    cluster.writeMaster({ node1: [cluster.sleeper('a')] });
    await cluster.startMaster();
    const node1 = await cluster.node('node1').start();
    const { a } = await runs(node1, ['a']);
    const liveness = async () =>
      (await cluster.get<Host[]>('/api/hosts/')).find((host) => host.name === 'node1')?.liveness;
    await waitFor('node1 alive', async () => (await liveness()) === 'alive');

    await node1.client!.stop('SIGKILL');
    await waitFor('node1 down', async () => (await liveness()) === 'down');
    await cluster.master!.next('node.down');
    const rows = await cluster.get<ProcRow[]>('/api/status');
    expect(rows.map((row) => [row.name, row.status])).toEqual([['a', 'node down']]);
    expect(alive(a!)).toBe(true);

    await node1.startClient();
    await waitFor('node1 alive again', async () => (await liveness()) === 'alive');
    expect(node1.pids()).toEqual({ a });
    const node = await cluster.get<{ name: string; applied: number; revision: number }>('/api/nodes/node1');
    expect(node).toMatchObject({ name: 'node1', revision: 1, applied: 1 });
  });
});

describe('the daemon rules the worker has', () => {
  it('a second dpd-masterd on the same file says so and exits 0; an invalid file at start is refused with file, path and reason', async () => {
    cluster.writeMaster({ node1: [cluster.sleeper('a')] });
    const first = await cluster.startMaster();
    // Its #! line caps V8's young generation (the master's RSS target at 1,000 nodes depends on it).
    expect(readFileSync(`/proc/${first.child.pid}/cmdline`, 'utf8').split('\0')).toContain('--max-semi-space-size=2');
    const second = spawnSync(process.execPath, [MASTERD, '-f', '--log-format', 'json', cluster.masterFile], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stderr.trim().split('\n').at(-1)!)).toMatchObject({
      msg: 'master.running',
      eventPid: first.child.pid,
    });

    const bad = join(cluster.dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        ...cluster.endpoints,
        nodes: { node1: [{ name: 'a', run: '/bin/sleep', restart: 'sometimes' }] },
      }),
    );
    const refused = spawnSync(process.execPath, [MASTERD, '-f', bad], { encoding: 'utf8', timeout: 20_000 });
    expect(refused.status).toBe(1);
    expect(refused.stderr.split('\n').slice(0, 2)).toEqual([
      `dpd-masterd: ${bad}: invalid master file, nothing started`,
      expect.stringMatching(new RegExp(`^${bad}:nodes\\.node1\\[0\\]\\.restart: error: .*\\[DPD_SPEC_`)),
    ]);
  });
});

describe('CURVE', () => {
  it('serves a node whose key is on the allow-list and gives nothing to one whose key is not, logging it', async () => {
    const keys = join(cluster.dir, 'keys');
    const master = writeKeyFiles(keys, 'master');
    const good = writeKeyFiles(keys, 'node1');
    const bad = writeKeyFiles(keys, 'intruder');
    cluster.writeMaster(
      { node1: [cluster.sleeper('a')], node2: [cluster.sleeper('b')] },
      { curve: { secret_key: master.secretFile, public_key: master.publicFile, allow: [good.publicFile] } },
    );
    await cluster.startMaster();
    const curve = (pair: { secretFile: string; publicFile: string }) => ({
      curve: { secret_key: pair.secretFile, public_key: pair.publicFile, master_key: master.publicFile },
    });
    const node1 = await cluster.node('node1', curve(good)).start();
    const node2 = await cluster.node('node2', curve(bad)).start();
    await runs(node1, ['a']);
    const rejected = await cluster.master!.next('auth.rejected');
    expect(rejected.publicKey).toBe(readKeyFile(bad.publicFile));
    // An edit for both nodes: the allowed one follows it; the intruder, claiming node2, still has nothing.
    cluster.writeMaster(
      { node1: [cluster.sleeper('a'), cluster.sleeper('a2')], node2: [cluster.sleeper('b'), cluster.sleeper('b2')] },
      { curve: { secret_key: master.secretFile, public_key: master.publicFile, allow: [good.publicFile] } },
    );
    await runs(node1, ['a', 'a2']);
    expect(names(node2)).toEqual([]);
    expect(node2.client!.seen('worker-file.write')).toEqual([]);
  });
});
