import { describe, expect, it } from 'vitest';
import { Dealer, Publisher } from 'zeromq';
import { waitFor } from '@diprocd/test-utils';
import {
  generateKeyPair,
  TransportClient,
  TransportServer,
  type TransportClientEvents,
  type TransportClientOptions,
  type TransportServerEvents,
} from '@diprocd/transport';
import { closing, endpoints, report } from './helpers.js';

const FAST = { heartbeatMs: 50 };
const RECONNECT = { initialMs: 20, maxMs: 100 };

/** A client that records every state it emits. */
function recordingClient(options: Omit<TransportClientOptions, 'report'>) {
  const client = new TransportClient({ ...FAST, reconnect: RECONNECT, report: () => report(), ...options });
  const states: TransportClientEvents['state'][] = [];
  const errors: TransportClientEvents['error'][] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  return { client, states, errors, last: () => states[states.length - 1] };
}

describe('desired state', () => {
  it('reaches the client it is for, and node1 never sees node10 (exact topics)', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const server = track(new TransportServer({ ...ends, ...FAST }));
      await server.start();
      const one = recordingClient({ node: 'node1', ...ends });
      const ten = recordingClient({ node: 'node10', ...ends });
      await track(one.client).start();
      await track(ten.client).start();
      server.setDesired('node1', [{ name: 'a' }]);
      server.setDesired('node10', [{ name: 'ten' }]);
      await waitFor('node1 gets its list', () => one.last()?.procs.length === 1);
      await waitFor('node10 gets its list', () => ten.last()?.procs.length === 1);
      server.setDesired('node10', [{ name: 'ten' }, { name: 'ten-b' }]);
      await waitFor('node10 gets revision 2', () => ten.last()?.revision === 2);
      server.setDesired('node1', [{ name: 'b' }]);
      await waitFor('node1 gets revision 2', () => one.last()?.revision === 2);
      expect(one.states.map((s) => s.procs)).toEqual([[{ name: 'a' }], [{ name: 'b' }]]);
      expect(ten.states.map((s) => s.procs)).toEqual([[{ name: 'ten' }], [{ name: 'ten' }, { name: 'ten-b' }]]);
      expect([one.errors, ten.errors]).toEqual([[], []]);
    }));

  it('bumps the revision only when the list changes, and setAll empties nodes left out', () =>
    closing(async (track) => {
      const server = track(new TransportServer({ ...(await endpoints()) }));
      expect(server.setDesired('a', [{ name: 'x', args: [1] }])).toBe(1);
      expect(server.setDesired('a', [{ args: [1], name: 'x' }])).toBe(1);
      expect(server.setDesired('a', [{ name: 'y' }])).toBe(2);
      expect(server.setDesired('empty', [])).toBe(1);
      server.setAll({ b: [{ name: 'z' }] });
      expect([server.desired('a'), server.desired('b'), server.desired('empty'), server.desired('never')]).toEqual([
        { revision: 3, procs: [] },
        { revision: 1, procs: [{ name: 'z' }] },
        { revision: 1, procs: [] },
        { revision: 0, procs: [] },
      ]);
      expect(server.nodes().map((n) => [n.name, n.liveness, n.revision])).toEqual([
        ['a', 'unknown', 3],
        ['b', 'unknown', 1],
        ['empty', 'unknown', 1],
      ]);
    }));

  it('a client started after the master gets the current list by snapshot, once', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const server = track(new TransportServer({ ...ends, ...FAST }));
      await server.start();
      server.setDesired('late', [{ name: 'p' }]);
      const late = recordingClient({ node: 'late', ...ends });
      await track(late.client).start();
      await waitFor('the snapshot', () => late.last());
      // Five periods of heartbeats (each carrying revision 1) later, the same revision was not emitted again.
      const first = await waitFor('a heartbeat', () => server.nodes()[0]?.lastHeartbeat ?? undefined);
      await waitFor('more heartbeats', () => server.nodes()[0]!.lastHeartbeat! >= first + 250);
      expect(late.states).toEqual([{ epoch: server.epoch, revision: 1, procs: [{ name: 'p' }] }]);
    }));

  it('a client started before the master converges once the master is up', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const early = recordingClient({ node: 'early', ...ends });
      const connected: unknown[] = [];
      early.client.on('connected', (c) => connected.push(c));
      await track(early.client).start();
      const server = track(new TransportServer({ ...ends, ...FAST }));
      server.setDesired('early', [{ name: 'p' }]);
      await server.start();
      await waitFor('the list', () => early.last()?.revision === 1);
      expect(connected).toHaveLength(1);
    }));

  it('after a master restart (revisions start again) the client takes the new master state', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const masterKeys = generateKeyPair();
      const nodeKeys = generateKeyPair();
      // With CURVE the new master knows n from its key before it has a list for it (revision 0).
      const curve = { ...masterKeys, allow: { n: nodeKeys.publicKey } };
      const node = recordingClient({ node: 'n', ...ends, curve: { ...nodeKeys, serverKey: masterKeys.publicKey } });
      const events: string[] = [];
      node.client.on('connected', () => events.push('connected'));
      node.client.on('disconnected', () => events.push('disconnected'));
      await track(node.client).start();
      const first = new TransportServer({ ...ends, ...FAST, curve });
      await first.start();
      first.setDesired('n', [{ name: 'a' }]);
      first.setDesired('n', [{ name: 'b' }]);
      first.setDesired('n', [{ name: 'c' }]);
      await waitFor('revision 3', () => node.last()?.revision === 3);
      const before = node.states.length;
      await first.close();
      await waitFor('disconnected', () => events.includes('disconnected'));
      const second = track(new TransportServer({ ...ends, ...FAST, curve }));
      await second.start();
      // Nothing desired yet in the new run (revision 0): the client keeps its list.
      await waitFor('reconnected', () => events.filter((e) => e === 'connected').length === 2);
      expect(node.states).toHaveLength(before);
      second.setDesired('n', [{ name: 'new' }]);
      await waitFor('the new master state', () => node.last()?.epoch === second.epoch);
      expect(node.last()).toEqual({ epoch: second.epoch, revision: 1, procs: [{ name: 'new' }] });
      expect(events).toEqual(['connected', 'disconnected', 'connected']);
    }));
});

describe('heartbeats and liveness', () => {
  it('reports arrive; a node goes alive → suspect → down → alive', () =>
    closing(async (track) => {
      const ends = await endpoints();
      // Suspect after 8 missed client heartbeats: a busy machine's pause does not add a suspect.
      const server = track(new TransportServer({ ...ends, heartbeatMs: 50, suspectAfterMs: 400, downAfterMs: 800 }));
      const events: string[] = [];
      for (const event of ['node.up', 'node.suspect', 'node.down'] as const)
        server.on(event, ({ node }) => events.push(`${event} ${node}`));
      const reports: TransportServerEvents['node.report'][] = [];
      server.on('node.report', (r) => reports.push(r));
      await server.start();
      server.setDesired('w', [{ name: 'p' }]);
      const proc = { name: 'p', state: 'running', pid: 42, restarts: 1, lastExit: { code: 1, signal: null } };
      const make = () => {
        const c = new TransportClient({
          node: 'w',
          ...ends,
          ...FAST,
          reconnect: RECONNECT,
          report: async () => ({ revision: 1, load: [1, 2, 3], procs: [proc] }),
        });
        c.on('state', ({ revision }) => c.setApplied(revision));
        return c;
      };
      const client = make();
      await client.start();
      await waitFor('applied revision 1', () => server.nodes()[0]?.applied === 1);
      const [info] = server.nodes();
      expect(info).toMatchObject({
        name: 'w',
        liveness: 'alive',
        revision: 1,
        applied: 1,
        report: { revision: 1, load: [1, 2, 3], procs: [proc] },
      });
      expect(reports[0]).toEqual({ node: 'w', report: { revision: 1, load: [1, 2, 3], procs: [proc] } });
      await client.close();
      await waitFor('down', () => events.includes('node.down w'), 3_000);
      expect(server.nodes()[0]?.liveness).toBe('down');
      const again = track(make());
      await again.start();
      await waitFor('alive again', () => events.length === 4);
      expect(events).toEqual(['node.up w', 'node.suspect w', 'node.down w', 'node.up w']);
    }));

  it('a node bound to a key but with no list yet is listed with revision 0 once it heartbeats', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const masterKeys = generateKeyPair();
      const nodeKeys = generateKeyPair();
      const server = track(
        new TransportServer({ ...ends, ...FAST, curve: { ...masterKeys, allow: { keyed: nodeKeys.publicKey } } }),
      );
      await server.start();
      expect(server.nodes()).toMatchObject([{ name: 'keyed', liveness: 'unknown', revision: 0 }]);
      await track(
        recordingClient({ node: 'keyed', ...ends, curve: { ...nodeKeys, serverKey: masterKeys.publicKey } }).client,
      ).start();
      await waitFor('the keyed node', () => server.nodes()[0]?.liveness === 'alive');
      expect(server.nodes()).toMatchObject([{ name: 'keyed', revision: 0, applied: null }]);
    }));
});

describe('CURVE', () => {
  it('an allowed key receives its list; a key not on the allow-list gets nothing and auth.rejected fires', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const master = generateKeyPair();
      const good = generateKeyPair();
      const bad = generateKeyPair();
      const server = track(
        new TransportServer({ ...ends, ...FAST, curve: { ...master, allow: { good: good.publicKey } } }),
      );
      const rejected: TransportServerEvents['auth.rejected'][] = [];
      server.on('auth.rejected', (r) => rejected.push(r));
      await server.start();
      server.setDesired('good', [{ name: 'g' }]);
      server.setDesired('bad', [{ name: 'b' }]);
      expect(server.warnings).toEqual([
        'node "bad" has desired state but no key in curve.allow: nothing is sent to it and nothing it sends is taken',
      ]);
      const allowed = recordingClient({ node: 'good', ...ends, curve: { ...good, serverKey: master.publicKey } });
      const refused = recordingClient({ node: 'bad', ...ends, curve: { ...bad, serverKey: master.publicKey } });
      await track(allowed.client).start();
      await track(refused.client).start();
      await waitFor('the allowed node gets its list', () => allowed.last()?.revision === 1);
      await waitFor('the rejection', () => rejected.length > 0);
      expect(rejected[0]).toEqual({ publicKey: bad.publicKey, address: '127.0.0.1' });
      // The refused node heartbeats all along; by the time the allowed one has, say, 5 more, it has still nothing.
      const seen = server.nodes().find((n) => n.name === 'good')!.lastHeartbeat!;
      await waitFor(
        'more heartbeats',
        () => server.nodes().find((n) => n.name === 'good')!.lastHeartbeat! >= seen + 250,
      );
      expect(refused.states).toEqual([]);
      expect(server.nodes().find((n) => n.name === 'bad')?.liveness).toBe('unknown');
      expect(refused.errors.map((e) => e.error.code)).toEqual(['DPD_TRANSPORT_AUTH']);
    }));

  it('plaintext on an address other hosts reach is refused unless allowed, by the master and by a node', () =>
    closing(async (track) => {
      const port = (await endpoints()).stats;
      // Refused before anything is bound or connected: no traffic leaves loopback.
      const master = track(new TransportServer({ updates: 'tcp://0.0.0.0:1', stats: port }));
      await expect(master.start()).rejects.toMatchObject({
        code: 'DPD_TRANSPORT_PLAINTEXT',
        message: expect.stringMatching(
          /^refusing to bind plaintext on tcp:\/\/0\.0\.0\.0:1, reachable from other hosts/,
        ),
      });
      const node = track(
        new TransportClient({ node: 'n', updates: port, stats: 'tcp://192.0.2.1:1', report: () => report() }),
      );
      await expect(node.start()).rejects.toMatchObject({
        code: 'DPD_TRANSPORT_PLAINTEXT',
        message: expect.stringMatching(/^refusing to connect in plaintext to tcp:\/\/192\.0\.2\.1:1/),
      });
    }));

  it('loopback endpoints are told from the others', async () => {
    // Checked without binding: the warning is computed from the endpoint; binding is only ever done on 127.0.0.1 here.
    const { isLocalEndpoint } = await import('../src/socket/endpoints.js');
    expect(
      [
        'tcp://127.0.0.1:1',
        'tcp://localhost:1',
        'tcp://[::1]:1',
        'ipc:///tmp/x',
        'tcp://0.0.0.0:1',
        'tcp://*:1',
        'tcp://10.0.0.1:1',
      ].map(isLocalEndpoint),
    ).toEqual([true, true, true, true, false, false, false]);
  });
});

describe('errors', () => {
  it('binding a port in use rejects with DPD_TRANSPORT_BIND', () =>
    closing(async (track) => {
      const ends = await endpoints();
      await track(new TransportServer(ends)).start();
      const second = track(new TransportServer(ends));
      await expect(second.start()).rejects.toMatchObject({
        code: 'DPD_TRANSPORT_BIND',
        message: `cannot bind ${ends.updates}: address in use (EADDRINUSE)`,
      });
    }));

  it('a malformed message is reported as an error and the server carries on', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const server = track(new TransportServer({ ...ends, ...FAST }));
      const errors: string[] = [];
      server.on('error', ({ error }) => errors.push(`${error.code}: ${error.message}`));
      await server.start();
      server.setDesired('n', [{ name: 'p' }]);
      const raw = new Dealer({ linger: 0 });
      track({ close: async () => raw.close() });
      raw.connect(ends.stats);
      await raw.send('not json');
      await raw.send(JSON.stringify({ v: 1, type: 'heartbeat', node: 'n', periodMs: 50, applied: null, report: null }));
      await raw.send(
        JSON.stringify({
          v: 2,
          type: 'heartbeat',
          node: 'n',
          body: { periodMs: 50, applied: null, report: { revision: 1, load: [1], procs: [] } },
        }),
      );
      const replies: string[] = [];
      for (let i = 0; i < 3; i++) replies.push(JSON.parse((await raw.receive())[0]!.toString()).code);
      expect(replies).toEqual(['DPD_TRANSPORT_MESSAGE', 'DPD_TRANSPORT_VERSION', 'DPD_TRANSPORT_MESSAGE']);
      expect(errors).toMatchInlineSnapshot(`
        [
          "DPD_TRANSPORT_MESSAGE: body frame is not JSON: Unexpected token 'o', "not json" is not valid JSON",
          "DPD_TRANSPORT_VERSION: message.v: expected 2, found 1",
          "DPD_TRANSPORT_MESSAGE: heartbeat message.body.report.load: expected 3 numbers, found [1]",
        ]
      `);
      await raw.send(JSON.stringify({ v: 2, type: 'snapshot.request', node: 'n', body: {} }));
      const snapshot = JSON.parse((await raw.receive())[0]!.toString());
      expect(snapshot).toEqual({
        v: 2,
        type: 'snapshot',
        epoch: server.epoch,
        node: 'n',
        revision: 1,
        body: { procs: [{ name: 'p' }] },
      });
      expect(server.counters()).toEqual({ accepted: 1, malformed: 3, unknownNode: 0, notProven: 0 });
    }));

  it('a malformed publication is reported by the client, which carries on', () =>
    closing(async (track) => {
      const ends = await endpoints();
      const fake = new Publisher({ linger: 0 });
      track({ close: async () => fake.close() });
      await fake.bind(ends.updates);
      const node = recordingClient({ node: 'n', ...ends });
      await track(node.client).start();
      // Repeated until the subscriber has joined (slow joiner).
      await waitFor('the errors', async () => {
        await fake.send(['state\0n\0', '{"v":2,"type":"state"}']);
        await fake.send(['state\0n\0', 'garbage']);
        await fake.send([
          'state\0n\0',
          JSON.stringify({ v: 2, type: 'state', epoch: 'e', node: 'n', revision: 1, body: { procs: [] } }),
        ]);
        return node.states.length > 0 && node.errors.length >= 2;
      });
      expect(new Set(node.errors.map((e) => e.error.message))).toMatchInlineSnapshot(`
        Set {
          "state message.epoch: expected a non-empty string, found nothing",
          "body frame is not JSON: Unexpected token 'g', "garbage" is not valid JSON",
        }
      `);
      expect(node.states).toEqual([{ epoch: 'e', revision: 1, procs: [] }]);
    }));
});
