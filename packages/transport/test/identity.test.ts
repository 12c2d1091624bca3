// A key is a node: each attack of issue 14 part 1 on the transport alone,
// with real CURVE sockets on 127.0.0.1. Each ran against protocol 1 and
// succeeded there (another node's list read, a made-up node listed, a
// heartbeat believed in another node's name, 20,000 names kept).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Dealer, Subscriber } from 'zeromq';
import { waitFor } from '@diprocd/test-utils';
import {
  deriveNodeKeys,
  encode,
  generateKeyPair,
  open,
  sealAad,
  seal,
  TransportClient,
  TransportServer,
  type TransportServerEvents,
} from '@diprocd/transport';
import { closing, endpoints, report } from './helpers.js';

const FAST = { heartbeatMs: 50 };
const SECRET_ENV = { name: 'web', env: { DB_PASSWORD: 'hunter2-of-node1' } };

/** A master with node1 and node2 bound to their keys, node1's list holding a secret. */
async function cluster(track: <C extends { close(): Promise<void> }>(c: C) => C) {
  const ends = await endpoints();
  const master = generateKeyPair();
  const node1 = generateKeyPair();
  const node2 = generateKeyPair();
  const server = track(
    new TransportServer({
      ...ends,
      ...FAST,
      curve: { ...master, allow: { node1: node1.publicKey, node2: node2.publicKey } },
    }),
  );
  const unproven: TransportServerEvents['unproven'][] = [];
  server.on('unproven', (event) => unproven.push(event));
  await server.start();
  server.setDesired('node1', [SECRET_ENV]);
  server.setDesired('node2', [{ name: 'other' }]);
  /** A raw DEALER that holds node2's key (allowed by ZAP) and says whatever it likes. */
  const rogue = () => {
    const dealer = new Dealer({
      linger: 0,
      curveServerKey: master.publicKey,
      curvePublicKey: node2.publicKey,
      curveSecretKey: node2.secretKey,
    });
    track({ close: async () => dealer.close() });
    dealer.connect(ends.stats);
    return dealer;
  };
  /** The keys node2 can derive for a name it claims: with its own secret key, whatever the name. */
  const forged = (name: string) =>
    deriveNodeKeys(
      {
        secretKey: node2.secretKey,
        peerPublicKey: master.publicKey,
        masterPublicKey: master.publicKey,
        nodePublicKey: node2.publicKey,
      },
      name,
    );
  return { ends, master, node1, node2, server, unproven, rogue, forged };
}

const reply = async (dealer: Dealer) => JSON.parse((await dealer.receive())[0]!.toString()) as Record<string, unknown>;

describe('a key proves only its own node', () => {
  it("node2's key cannot get node1's snapshot: not by asking in node1's name, sealed or in the clear", () =>
    closing(async (track) => {
      const { server, rogue, forged } = await cluster(track);
      const dealer = rogue();
      const keys = forged('node1');
      await dealer.send(
        encode({
          v: 2,
          type: 'snapshot.request',
          node: 'node1',
          box: seal(keys.nodeToMaster, sealAad(['snapshot.request', 'node1']), {}),
        }),
      );
      await dealer.send(encode({ v: 2, type: 'snapshot.request', node: 'node1', body: {} }));
      const answers = [await reply(dealer), await reply(dealer)];
      expect(answers).toEqual(
        [0, 1].map(() => ({
          v: 2,
          type: 'error',
          code: 'DPD_TRANSPORT_UNPROVEN',
          message: 'a snapshot.request for node "node1" was dropped: no key bound to that name sealed it',
        })),
      );
      expect(JSON.stringify(answers)).not.toContain('hunter2');
      expect(server.counters()).toMatchObject({ notProven: 2, accepted: 0 });
    }));

  it("node2 subscribed to node1's topic receives only a box it cannot open", () =>
    closing(async (track) => {
      const { ends, master, node2, server, forged } = await cluster(track);
      const sub = new Subscriber({
        linger: 0,
        curveServerKey: master.publicKey,
        curvePublicKey: node2.publicKey,
        curveSecretKey: node2.secretKey,
      });
      track({ close: async () => sub.close() });
      sub.connect(ends.updates);
      sub.subscribe('state\0node1\0');
      let revision = 1;
      // Publications before the subscriber joined are lost: change the list until one arrives.
      const received = await waitFor('a state of node1', async () => {
        server.setDesired('node1', [{ ...SECRET_ENV, args: [String(++revision)] }]);
        const frames = await Promise.race([
          sub.receive(),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
        ]);
        const body = frames && JSON.parse(frames[1]!.toString());
        return body?.type === 'state' ? (body as { epoch: string; revision: number; box: string }) : undefined;
      });
      expect(JSON.stringify(received)).not.toContain('hunter2');
      expect(Object.keys(received).sort()).toEqual(['box', 'epoch', 'node', 'revision', 'type', 'v']);
      const aad = sealAad(['state', received.epoch, 'node1', received.revision]);
      expect([
        open(forged('node1').masterToNode, aad, received.box),
        open(forged('node2').masterToNode, aad, received.box),
      ]).toEqual([undefined, undefined]);
    }));

  it("a heartbeat in node1's name from node2's key, or in a made-up name, is counted and dropped: node1 stays unknown, evil is never listed", () =>
    closing(async (track) => {
      const { server, rogue, forged, unproven } = await cluster(track);
      const dealer = rogue();
      const lie = {
        periodMs: 50,
        applied: null,
        report: { ...report(1), extra: { jobs: [{ id: '1', state: 'failed', log: 'forged' }] } },
      };
      await dealer.send(
        encode({
          v: 2,
          type: 'heartbeat',
          node: 'node1',
          box: seal(forged('node1').nodeToMaster, sealAad(['heartbeat', 'node1']), lie),
        }),
      );
      await dealer.send(
        encode({
          v: 2,
          type: 'heartbeat',
          node: 'evil',
          box: seal(forged('evil').nodeToMaster, sealAad(['heartbeat', 'evil']), {
            ...lie,
            report: { ...report(0), load: [0, 0, 0] },
          }),
        }),
      );
      await dealer.send(encode({ v: 2, type: 'heartbeat', node: 'evil', body: lie }));
      for (let i = 0; i < 3; i++) expect((await reply(dealer)).code).toBe('DPD_TRANSPORT_UNPROVEN');
      expect(server.nodes().map((node) => [node.name, node.liveness, node.report])).toEqual([
        ['node1', 'unknown', null],
        ['node2', 'unknown', null],
      ]);
      expect(server.counters()).toEqual({ accepted: 0, malformed: 0, unknownNode: 2, notProven: 1 });
      expect(unproven).toEqual([{ count: 1, first: { reason: 'not-proven', node: 'node1' } }]);
    }));

  it('20,000 snapshot requests in random names leave the node list as it was, each costing a count', () =>
    closing(async (track) => {
      const { server, rogue, unproven } = await cluster(track);
      const dealer = rogue();
      const before = server.nodes().map((node) => node.name);
      for (let i = 0; i < 20_000; i++)
        await dealer.send(encode({ v: 2, type: 'snapshot.request', node: randomBytes(8).toString('hex'), body: {} }));
      await waitFor('every request counted', () => server.counters().unknownNode === 20_000, 20_000);
      expect(server.nodes().map((node) => node.name)).toEqual(before);
      // One event now; the rest wait for the end of the 10 s window.
      expect(unproven).toHaveLength(1);
    }));

  it('the real node1 is proven: its list, its heartbeat and a request answered for it alone', () =>
    closing(async (track) => {
      const { ends, master, node1, server } = await cluster(track);
      const asked: [string, unknown][] = [];
      const answerEnds = await endpoints();
      const answering = track(
        new TransportServer({
          ...answerEnds,
          ...FAST,
          curve: { ...master, allow: { node1: node1.publicKey } },
          answer: (node, request) => (asked.push([node, request]), { granted: true }),
        }),
      );
      await answering.start();
      const states: unknown[][] = [];
      const client = track(
        new TransportClient({
          node: 'node1',
          ...ends,
          ...FAST,
          curve: { ...node1, serverKey: master.publicKey },
          report: () => report(1),
        }),
      );
      client.on('state', ({ procs }) => states.push(procs));
      await client.start();
      await waitFor('node1 gets its list', () => states.length > 0);
      expect(states[0]).toEqual([SECRET_ENV]);
      await waitFor('node1 alive', () => server.nodes().find((node) => node.name === 'node1')?.liveness === 'alive');
      expect(server.counters().notProven + server.counters().unknownNode).toBe(0);
      // The request/answer pair, against a master that answers.
      const asking = track(
        new TransportClient({
          node: 'node1',
          ...answerEnds,
          ...FAST,
          curve: { ...node1, serverKey: master.publicKey },
          report: () => report(1),
        }),
      );
      await asking.start();
      await expect(asking.request({ claim: '7' })).resolves.toEqual({ granted: true });
      expect(asked).toEqual([['node1', { claim: '7' }]]);
    }));

  it('a request to a master that is not there times out with a coded error', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const client = track(new TransportClient({ node: 'n', ...ends, ...FAST, report: () => report() }));
      await client.start();
      await expect(client.request({ claim: '1' }, 100)).rejects.toMatchObject({ code: 'DPD_TRANSPORT_TIMEOUT' });
    }));
});

describe('plaintext', () => {
  it('a heartbeat in a name with no desired state is dropped, and never makes a host', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const server = track(new TransportServer({ ...ends, ...FAST }));
      await server.start();
      server.setDesired('node1', []);
      const stray = track(new TransportClient({ node: 'stray', ...ends, ...FAST, report: () => report() }));
      const errors: string[] = [];
      stray.on('error', ({ error }) => errors.push(error.code));
      await stray.start();
      await waitFor('the master refuses it', () => errors.includes('DPD_TRANSPORT_UNPROVEN'));
      expect(server.nodes().map((node) => node.name)).toEqual(['node1']);
    }));
});
