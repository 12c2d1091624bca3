import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkBody,
  decode,
  decodeMasterMessage,
  decodeNodeMessage,
  deriveNodeKeys,
  encode,
  generateKeyPair,
  open,
  parseTopic,
  seal,
  sealAad,
  stateTopic,
  z85Decode,
  z85Encode,
} from '@diprocd/transport';
import type { Message } from '@diprocd/transport';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
};

describe('topics', () => {
  it('end in NUL so that no node name is a prefix of another topic', () => {
    expect(stateTopic('node10').startsWith(stateTopic('node1'))).toBe(false);
    expect([
      parseTopic(stateTopic('node1')),
      parseTopic('heartbeat\0'),
      parseTopic('state\0node1'),
      parseTopic('other'),
    ]).toEqual([{ node: 'node1' }, undefined, undefined, undefined]);
  });
});

describe('encode and decode', () => {
  it('round-trip every message type', () => {
    const messages = [
      { v: 2, type: 'state', epoch: 'e', node: 'n', revision: 2, body: { procs: [{ name: 'p' }] } },
      { v: 2, type: 'snapshot', epoch: 'e', node: 'n', revision: 0, box: 'AAAA' },
      { v: 2, type: 'heartbeat', epoch: 'e', periodMs: 1000, revisions: { n: 2 } },
      { v: 2, type: 'answer', node: 'n', body: { id: 1, answer: { granted: true } } },
      { v: 2, type: 'error', code: 'DPD_TRANSPORT_MESSAGE', message: 'm' },
      { v: 2, type: 'snapshot.request', node: 'n', body: {} },
      {
        v: 2,
        type: 'heartbeat',
        node: 'n',
        body: {
          periodMs: 1000,
          applied: { epoch: 'e', revision: 2 },
          report: {
            revision: 2,
            load: [0, 0, 0],
            procs: [{ name: 'p', state: 'running', pid: 1, restarts: 0, lastExit: null }],
          },
        },
      },
      { v: 2, type: 'request', node: 'n', box: 'AAAA' },
    ] satisfies Message[];
    for (const message of messages) expect(decode(encode(message))).toEqual(message);
  });

  it('reject malformed frames with a coded error naming the field', () => {
    expect([
      codeOf(() => decodeMasterMessage(undefined)),
      codeOf(() => decodeMasterMessage('[1]')),
      codeOf(() => decodeMasterMessage('{"type":"state"}')),
      codeOf(() => decodeMasterMessage('{"v":1,"type":"state","epoch":"e","node":"n","revision":1,"procs":[]}')),
      codeOf(() => decodeMasterMessage('{"v":2,"type":"nope"}')),
      codeOf(() => decodeMasterMessage('{"v":2,"type":"state","epoch":"e","node":"n","revision":-1,"box":"AAAA"}')),
      codeOf(() =>
        decodeMasterMessage('{"v":2,"type":"state","epoch":"e","node":"n","revision":1,"box":"AAAA","body":{}}'),
      ),
      codeOf(() =>
        decodeMasterMessage('{"v":2,"type":"state","epoch":"e","node":"n","revision":1,"box":"not base64!"}'),
      ),
      codeOf(() => decodeMasterMessage('{"v":2,"type":"heartbeat","epoch":"e","periodMs":1000,"revisions":{"n":"1"}}')),
      codeOf(() => decodeNodeMessage('{"v":2,"type":"heartbeat","node":"n"}')),
      codeOf(() =>
        checkBody('node', 'heartbeat', {
          periodMs: 1,
          applied: null,
          report: { revision: 1, load: [0, 0, 0], procs: [{ name: 'p' }] },
        }),
      ),
      codeOf(() => checkBody('master', 'state', { procs: {} })),
    ]).toMatchInlineSnapshot(`
      [
        "DPD_TRANSPORT_MESSAGE: message has no body frame",
        "DPD_TRANSPORT_MESSAGE: body frame is not a JSON object",
        "DPD_TRANSPORT_VERSION: message.v: expected 2, found undefined",
        "DPD_TRANSPORT_VERSION: message.v: expected 2, found 1",
        "DPD_TRANSPORT_MESSAGE: message.type: expected one of state, snapshot, heartbeat, answer, error, found "nope"",
        "DPD_TRANSPORT_MESSAGE: state message.revision: expected an integer ≥ 0, found -1",
        "DPD_TRANSPORT_MESSAGE: state message: expected one of box and body, found both",
        "DPD_TRANSPORT_MESSAGE: state message.box: expected base64 text, found "not base64!"",
        "DPD_TRANSPORT_MESSAGE: heartbeat message.revisions["n"]: expected an integer ≥ 0, found "1"",
        "DPD_TRANSPORT_MESSAGE: heartbeat message.body: expected an object (or a sealed message.box), found nothing",
        "DPD_TRANSPORT_MESSAGE: heartbeat message.body.report.procs[0].state: expected a non-empty string, found nothing",
        "DPD_TRANSPORT_MESSAGE: state message.body.procs: expected an array, found {}",
      ]
    `);
  });
});

describe('sealing', () => {
  it('both sides derive the same keys; a box opens only with its key and its clear fields', () => {
    const master = generateKeyPair();
    const node = generateKeyPair();
    const onMaster = deriveNodeKeys(
      {
        secretKey: master.secretKey,
        peerPublicKey: node.publicKey,
        masterPublicKey: master.publicKey,
        nodePublicKey: node.publicKey,
      },
      'node1',
    );
    const onNode = deriveNodeKeys(
      {
        secretKey: node.secretKey,
        peerPublicKey: master.publicKey,
        masterPublicKey: master.publicKey,
        nodePublicKey: node.publicKey,
      },
      'node1',
    );
    expect(onMaster).toEqual(onNode);
    expect(onMaster.masterToNode.equals(onMaster.nodeToMaster)).toBe(false);
    // The name is part of the key: the same pair of keys under another name shares nothing.
    const otherName = deriveNodeKeys(
      {
        secretKey: master.secretKey,
        peerPublicKey: node.publicKey,
        masterPublicKey: master.publicKey,
        nodePublicKey: node.publicKey,
      },
      'node2',
    );
    expect(otherName.masterToNode.equals(onMaster.masterToNode)).toBe(false);
    const aad = sealAad(['state', 'e', 'node1', 3]);
    const box = seal(onMaster.masterToNode, aad, { procs: [{ env: { TOKEN: 'secret' } }] });
    expect(Buffer.from(box, 'base64').toString('latin1')).not.toContain('secret');
    expect(open(onNode.masterToNode, aad, box)).toEqual({ procs: [{ env: { TOKEN: 'secret' } }] });
    expect([
      open(otherName.masterToNode, aad, box),
      open(onNode.nodeToMaster, aad, box),
      open(onNode.masterToNode, sealAad(['state', 'e', 'node1', 4]), box),
      open(onNode.masterToNode, aad, `${box.slice(0, 20)}A${box.slice(21)}`),
      open(onNode.masterToNode, aad, 'AAAA'),
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  // Fixed keys, and the keys a second implementation (test/interop/seal.py, written from the README alone) derived from
  // them.
  const MASTER = {
    publicKey: 'WHYJ+x=FpgGdRjUW2aFJB:MAqP6XviGG262MkWza',
    secretKey: '5(r=Gt#u>6p#VerZBV]]6yb[)+7QJgBg:C-@nGf2',
  };
  const NODE = {
    publicKey: '&!*T<E.w8$>cKZxmxk>gFv2eL@9>M?oyL@3FjzdE',
    secretKey: 'sd$yTXXvaP51DAT}](dz5sfmv.U*<GmxvGzdEjP}',
  };
  const onNode = () =>
    deriveNodeKeys(
      {
        secretKey: NODE.secretKey,
        peerPublicKey: MASTER.publicKey,
        masterPublicKey: MASTER.publicKey,
        nodePublicKey: NODE.publicKey,
      },
      'node1',
    );

  it("derives the keys that the README's recipe gives for a fixed pair of keys", () => {
    const keys = onNode();
    expect({
      masterToNode: keys.masterToNode.toString('hex'),
      nodeToMaster: keys.nodeToMaster.toString('hex'),
    }).toEqual({
      masterToNode: 'c9a6ce57c17cc84916db6538048b58c57015b7c61ff6c90f07ff1a094538b85b',
      nodeToMaster: 'aa15684bf6d5ecce1faf5df8cdf122cfddf6175a5fcacad94b95ae3e30a5f0d2',
    });
  });

  const python = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
  const noPython =
    python.status === 0
      ? ''
      : `python3 with the cryptography package is not here (${python.error?.message ?? python.stderr.trim().split('\n').pop()})`;
  if (noPython) console.log(`skipped: the Python interop test: ${noPython}`);
  it.skipIf(noPython !== '')(
    'a second implementation, written from the README in Python, opens our boxes and seals boxes we open',
    () => {
      const script = fileURLToPath(new URL('./interop/seal.py', import.meta.url));
      const py = (...args: string[]) => {
        const run = spawnSync('python3', [script, ...args], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`seal.py ${args[0]}: ${run.stderr}`);
        return run.stdout.trim();
      };
      const keys = onNode();
      // The master's side of the derivation, in Python.
      expect(
        JSON.parse(py('keys', MASTER.secretKey, NODE.publicKey, MASTER.publicKey, NODE.publicKey, 'node1')),
      ).toEqual({ masterToNode: keys.masterToNode.toString('hex'), nodeToMaster: keys.nodeToMaster.toString('hex') });
      const fields = ['heartbeat', 'node1'];
      const body = { periodMs: 1000, applied: null, report: null };
      expect(
        open(
          keys.nodeToMaster,
          sealAad(fields),
          py('seal', keys.nodeToMaster.toString('hex'), JSON.stringify(fields), JSON.stringify(body)),
        ),
      ).toEqual(body);
      const stateFields = ['state', 'e1', 'node1', 7];
      const box = seal(keys.masterToNode, sealAad(stateFields), { procs: [{ name: 'web' }] });
      expect(JSON.parse(py('open', keys.masterToNode.toString('hex'), JSON.stringify(stateFields), box))).toEqual({
        procs: [{ name: 'web' }],
      });
    },
  );
});

describe('z85', () => {
  it('encodes the RFC 32 test vector', () => {
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')]).toEqual([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  });
});
