// A node on the far side of a real link: its own network namespace,
// joined to this one by a veth pair the test creates (and deletes). The
// link is cut and restored; the node keeps running and converges. Needs
// root and iproute2; otherwise it is skipped, saying why.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, alive, waitFor, type ClusterNode } from './helpers.js';

const tag = String(process.pid % 100_000);
const NS = `dpd-test-${tag}`;
const HOST_IF = `dpdh${tag}`;
const NODE_IF = `dpdn${tag}`;
// A /30 of the private range, only on this test's own link.
const subnet = `10.213.${process.pid % 250}`;
const HOST_IP = `${subnet}.1`;
const NODE_IP = `${subnet}.2`;

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr || result.error?.message}`);
}

/** Why this machine cannot run the test, or null when it can. */
function unsupported(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (ip netns add)';
  if (spawnSync('ip', ['-V']).error) return 'needs iproute2 (ip)';
  const probe = `dpd-probe-${tag}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `cannot create a network namespace here: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'delete', probe]);
  return null;
}

const reason = unsupported();
if (reason) console.log(`skipped: the network-namespace test ${reason}`);

let cluster: Cluster;
beforeEach(async () => {
  if (reason) return;
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NODE_IF);
  ip('link', 'set', NODE_IF, 'netns', NS);
  ip('addr', 'add', `${HOST_IP}/30`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${NODE_IP}/30`, 'dev', NODE_IF);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', NODE_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  cluster = await new Cluster().init(HOST_IP);
});
afterEach(async () => {
  if (reason) return;
  await cluster?.cleanup();
  spawnSync('ip', ['netns', 'delete', NS]); // takes the veth pair with it
  spawnSync('ip', ['link', 'delete', HOST_IF]);
});

describe.skipIf(reason !== null)('a node in its own network namespace', () => {
  it('keeps running while the link is cut, and converges to an edit made meanwhile once it is back', async () => {
    const runs = (node: ClusterNode, expected: string[]) =>
      waitFor(
        `the node to run ${expected.join(', ')}`,
        () => {
          const pids = node.pids();
          return (
            JSON.stringify(Object.keys(pids).sort()) === JSON.stringify(expected) &&
            Object.values(pids).every(alive) &&
            pids
          );
        },
        15_000,
      );
    // Across a real link the transport is sealed: plaintext there is refused unless the file allows it (below).
    const keys = cluster.curveKeys(['far']);
    cluster.writeMaster({ far: [cluster.sleeper('a')] }, { curve: keys.masterCurve });
    await cluster.startMaster();
    const far = await cluster.node('far', keys.client('far'), NS).start();
    const { a } = await runs(far, ['a']);
    const liveness = async () =>
      (await cluster.get<{ name: string; liveness: string }[]>('/api/hosts/')).find((host) => host.name === 'far')
        ?.liveness;
    await waitFor('the node alive', async () => (await liveness()) === 'alive');

    ip('link', 'set', HOST_IF, 'down');
    await waitFor('the master to see the node down', async () => (await liveness()) === 'down', 10_000);
    await far.client!.next('master.disconnected', 0, 10_000);
    cluster.writeMaster({ far: [cluster.sleeper('a'), cluster.sleeper('b')] }, { curve: keys.masterCurve });
    await cluster.master!.next('file.reload');
    expect([alive(a!), far.file().procs.map((proc) => proc.name)]).toEqual([true, ['a']]);

    ip('link', 'set', HOST_IF, 'up');
    const after = await runs(far, ['a', 'b']);
    expect(after.a).toBe(a);
    await waitFor('the node alive again', async () => (await liveness()) === 'alive', 10_000);
  });

  it('refuses plaintext on the link address unless the file says plaintext_remote, then warns; a node refuses it likewise', async () => {
    cluster.writeMaster({ far: [] });
    const refused = cluster.tryMaster();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `refusing to bind plaintext on ${cluster.endpoints.master_updates}, reachable from other hosts`,
    );
    cluster.writeMaster({ far: [cluster.sleeper('a')] }, { plaintext_remote: true });
    await cluster.startMaster();
    expect(cluster.master!.seen('transport.warning').map((e) => e.message)).toContain(
      `plaintext on ${cluster.endpoints.master_updates}, reachable from other hosts: anyone who can connect can read every node's desired state (its env included) and pose as any node`,
    );
    expect(cluster.master!.seen('transport.plaintext')[0]).toMatchObject({ level: 40 });
    const node = cluster.node('far', {}, NS);
    await expect(node.startClient()).rejects.toThrow(/refusing to connect in plaintext to tcp:\/\/10\./);
    cluster.node('far', { plaintext_remote: true }, NS);
    await expect(node.start()).resolves.toBe(node);
  });
});
