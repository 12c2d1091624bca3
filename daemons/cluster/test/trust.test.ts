// A key is a node (issue 14, part 1), against real daemons on 127.0.0.1
// with CURVE on: each attack tried on the first wave's master, where each
// succeeded (node1's env read with node2's key, a job placed on a made-up
// node, a forged failure believed, 20,000 names kept as hosts), and the
// claims that keep a job from running twice or being forgotten.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Dealer } from 'zeromq';
import { deriveNodeKeys, encode, readKeyFile, seal, sealAad, TransportClient } from '@diprocd/transport';
import { Cluster, clusterPerTest, waitFor, TOKEN } from './helpers.js';

let cluster: Cluster;
clusterPerTest((c) => (cluster = c));

interface Host {
  name: string;
  liveness: string;
}

/** A master with `nodes` bound to their keys; the secret env of node1 is what an attacker is after. */
async function sealedMaster(nodes: string[], extra: Record<string, unknown> = {}) {
  const keys = cluster.curveKeys(nodes);
  cluster.writeMaster(
    {
      node1: [{ ...cluster.sleeper('web'), env: { DB_PASSWORD: 'hunter2-of-node1' } }],
      ...Object.fromEntries(nodes.filter((n) => n !== 'node1').map((n) => [n, []])),
    },
    { curve: keys.masterCurve, api_token: TOKEN, ...extra },
  );
  await cluster.startMaster();
  const key = (node: string) => ({
    publicKey: readKeyFile(keys.pairs[node]!.publicFile),
    secretKey: readKeyFile(keys.pairs[node]!.secretFile),
  });
  const masterKey = readKeyFile(keys.master.publicFile);
  /**
   * A transport client of our own (not dpd-clientd) holding `node`'s real key: it heartbeats, claims only when told.
   */
  const ghost = async (node: string) => {
    const client = new TransportClient({
      node,
      updates: cluster.endpoints.master_updates,
      stats: cluster.endpoints.master_stats,
      heartbeatMs: 100,
      curve: { ...key(node), serverKey: masterKey },
      report: () => ({ revision: 0, load: [0, 0, 0], procs: [] }),
    });
    await client.start();
    return client;
  };
  /**
   * A raw DEALER with node2's key (let in by ZAP) that says whatever it likes, sealing with keys it can derive for any
   * name.
   */
  const rogue = () => {
    const dealer = new Dealer({
      linger: 0,
      curveServerKey: masterKey,
      ...(({ publicKey, secretKey }) => ({ curvePublicKey: publicKey, curveSecretKey: secretKey }))(key('node2')),
    });
    dealer.connect(cluster.endpoints.master_stats);
    const forged = (name: string) =>
      deriveNodeKeys(
        {
          secretKey: key('node2').secretKey,
          peerPublicKey: masterKey,
          masterPublicKey: masterKey,
          nodePublicKey: key('node2').publicKey,
        },
        name,
      ).nodeToMaster;
    const send = (type: 'snapshot.request' | 'heartbeat', node: string, body: unknown) =>
      dealer.send(encode({ v: 2, type, node, box: seal(forged(node), sealAad([type, node]), body) } as never));
    const reply = async () => JSON.parse((await dealer.receive())[0]!.toString()) as Record<string, unknown>;
    return { dealer, send, reply };
  };
  return { keys, ghost, rogue };
}

const hosts = async () => (await cluster.call('GET', '/api/hosts/')).body as Host[];

describe('a key proves only its own node', () => {
  it("with node2's key: node1's snapshot is refused, a made-up node is never a host nor given a job, a forged failure is not believed", async () => {
    const { keys, rogue } = await sealedMaster(['node1', 'node2']);
    await cluster.node('node1', keys.client('node1')).start();
    await waitFor('node1 alive', async () => (await hosts()).find((h) => h.name === 'node1')?.liveness === 'alive');
    const { dealer, send, reply } = rogue();
    try {
      await send('snapshot.request', 'node1', {});
      const refused = await reply();
      expect(refused).toMatchObject({ type: 'error', code: 'DPD_TRANSPORT_UNPROVEN' });
      expect(JSON.stringify(refused)).not.toContain('hunter2');

      // "evil" claims load 0: on the first wave's master the next job went there, env and all.
      for (let i = 0; i < 3; i++)
        await send('heartbeat', 'evil', {
          periodMs: 100,
          applied: null,
          report: { revision: 0, load: [0, 0, 0], procs: [] },
        });
      const job = await cluster.call(
        'POST',
        '/api/procs/',
        { cmd: ['/bin/sleep', '30'], env: { JOB_SECRET: 's3cret' } },
        TOKEN,
      );
      expect(job.body).toMatchObject({ node: 'node1' });
      expect((await hosts()).map((h) => h.name)).toEqual(['node1', 'node2']);
      await waitFor(
        'the job running on node1',
        async () => (await cluster.call('GET', `/api/procs/${job.body.id}/`)).body.state === 'running',
        10_000,
      );

      // A heartbeat in node1's name saying the job failed, with a log: dropped.
      const forgedReport = {
        revision: 1,
        load: [0, 0, 0],
        procs: [],
        extra: {
          jobs: [
            {
              id: job.body.id,
              state: 'failed',
              pid: null,
              code: 1,
              signal: null,
              reason: 'forged',
              workdir: null,
              startedAt: 1,
              endedAt: 2,
              updatedAt: Date.now() + 60_000,
              log: 'FORGED LOG',
            },
          ],
        },
      };
      await send('heartbeat', 'node1', { periodMs: 100, applied: null, report: forgedReport });
      expect((await reply()).code).toBe('DPD_TRANSPORT_UNPROVEN');
      // Several of node1's own reports taken after the forgery, and the job still as node1 says.
      const accepted = (await cluster.call('GET', '/api/transport')).body.counters.accepted as number;
      await waitFor(
        'more reports of node1',
        async () => (await cluster.call('GET', '/api/transport')).body.counters.accepted >= accepted + 3,
      );
      expect((await cluster.call('GET', `/api/procs/${job.body.id}/`)).body).toMatchObject({ state: 'running' });
      expect((await cluster.call('GET', `/api/procs/${job.body.id}/logfile/`, undefined, TOKEN)).status).toBe(404);
      expect(cluster.master!.seen('transport.unproven')[0]).toMatchObject({
        level: 40,
        count: 1,
        firstReason: 'not-proven',
        firstNode: 'node1',
      });
    } finally {
      dealer.close();
    }
  });

  it('20,000 snapshot requests in random names leave the hosts as they were, and are logged once', async () => {
    const { rogue } = await sealedMaster(['node1', 'node2']);
    const before = JSON.stringify((await hosts()).map((h) => h.name));
    const { dealer, reply } = rogue();
    expect((await cluster.call('GET', '/api/transport')).body).toEqual({
      encrypted: true,
      counters: { accepted: 0, malformed: 0, unknownNode: 0, notProven: 0 },
    });
    try {
      for (let i = 0; i < 20_000; i++)
        await dealer.send(encode({ v: 2, type: 'snapshot.request', node: randomBytes(8).toString('hex'), body: {} }));
      await waitFor(
        'every request counted',
        async () => (await cluster.call('GET', '/api/transport')).body.counters.unknownNode === 20_000,
        20_000,
      );
      expect((await reply()).code).toBe('DPD_TRANSPORT_UNPROVEN');
      expect(JSON.stringify((await hosts()).map((h) => h.name))).toBe(before);
      expect(JSON.stringify(await hosts()).length).toBeLessThan(2_000);
      expect(cluster.master!.seen('transport.unproven')).toHaveLength(1);
    } finally {
      dealer.close();
    }
  });
});

describe('claims', () => {
  it('a job whose node goes down before its claim is granted is placed again on a live node and runs there once', async () => {
    const { keys, ghost } = await sealedMaster(['node1', 'ghost']);
    const phantom = await ghost('ghost');
    await waitFor('ghost alive', async () => (await hosts()).find((h) => h.name === 'ghost')?.liveness === 'alive');
    const job = await cluster.call('POST', '/api/procs/', { cmd: 'true' }, TOKEN);
    expect(job.body).toMatchObject({ node: 'ghost' });
    const node1 = await cluster.node('node1', keys.client('node1')).start();
    await phantom.close();
    await cluster.master!.next('job.placed-again', 0, 10_000);
    await waitFor(
      'the job to succeed on node1',
      async () => (await cluster.call('GET', `/api/procs/${job.body.id}/`)).body.state === 'success',
      15_000,
    );
    expect((await cluster.call('GET', `/api/procs/${job.body.id}/`)).body).toMatchObject({
      node: 'node1',
      state: 'success',
    });
    expect([
      cluster.master!.seen('job.granted').map((e) => e.node),
      node1.client!.seen('job.granted').map((e) => e.id),
    ]).toEqual([['node1'], [job.body.id]]);
  });

  it('a granted job that nothing is heard of for job_lost_after is reported lost; a claim for another node is refused', async () => {
    const { ghost } = await sealedMaster(['node1', 'ghost'], { job_lost_after: '1s' });
    const phantom = await ghost('ghost');
    await waitFor('ghost alive', async () => (await hosts()).find((h) => h.name === 'ghost')?.liveness === 'alive');
    const job = await cluster.call('POST', '/api/procs/', { cmd: 'true', node: 'ghost' }, TOKEN);
    const other = await ghost('node1');
    await expect(other.request({ claim: job.body.id })).resolves.toEqual({
      granted: false,
      reason: `job ${job.body.id} is placed on another node`,
    });
    await other.close();
    await expect(phantom.request({ claim: job.body.id })).resolves.toEqual({ granted: true });
    await phantom.close();
    await cluster.master!.next('job.lost', 0, 10_000);
    expect((await cluster.call('GET', `/api/procs/${job.body.id}/`)).body).toMatchObject({
      state: 'lost',
      reason: expect.stringMatching(/^no news of it from node ghost for \d+ s after its claim was granted$/),
    });
  });
});
