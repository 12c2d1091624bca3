import { describe, expect, it } from 'vitest';
import { decode, decodeMasterMessage, decodeNodeMessage, encode, parseTopic, stateTopic, z85Encode } from '@diprocd/transport';
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
    expect([parseTopic(stateTopic('node1')), parseTopic('heartbeat\0'), parseTopic('state\0node1'), parseTopic('other')]).toEqual([{ node: 'node1' }, undefined, undefined, undefined]);
  });
});

describe('encode and decode', () => {
  it('round-trip every message type', () => {
    const messages = [
      { v: 1, type: 'state', epoch: 'e', node: 'n', revision: 2, procs: [{ name: 'p' }] },
      { v: 1, type: 'snapshot', epoch: 'e', node: 'n', revision: 0, procs: [] },
      { v: 1, type: 'heartbeat', epoch: 'e', periodMs: 1000, revisions: { n: 2 } },
      { v: 1, type: 'error', code: 'DPD_TRANSPORT_MESSAGE', message: 'm' },
      { v: 1, type: 'snapshot.request', node: 'n' },
      { v: 1, type: 'heartbeat', node: 'n', periodMs: 1000, applied: { epoch: 'e', revision: 2 }, report: { revision: 2, load: [0, 0, 0], procs: [{ name: 'p', state: 'running', pid: 1, restarts: 0, lastExit: null }] } },
    ] satisfies Message[];
    for (const message of messages) expect(decode(encode(message))).toEqual(message);
  });

  it('reject malformed frames with a coded error naming the field', () => {
    expect([
      codeOf(() => decodeMasterMessage(undefined)),
      codeOf(() => decodeMasterMessage('[1]')),
      codeOf(() => decodeMasterMessage('{"type":"state"}')),
      codeOf(() => decodeMasterMessage('{"v":1,"type":"nope"}')),
      codeOf(() => decodeMasterMessage('{"v":1,"type":"state","epoch":"e","node":"n","revision":-1,"procs":[]}')),
      codeOf(() => decodeMasterMessage('{"v":1,"type":"heartbeat","epoch":"e","periodMs":1000,"revisions":{"n":"1"}}')),
      codeOf(() => decodeNodeMessage('{"v":1,"type":"heartbeat","node":"n","periodMs":1,"applied":null,"report":{"revision":1,"load":[0,0,0],"procs":[{"name":"p"}]}}')),
    ]).toMatchInlineSnapshot(`
      [
        "DPD_TRANSPORT_MESSAGE: message has no body frame",
        "DPD_TRANSPORT_MESSAGE: body frame is not a JSON object",
        "DPD_TRANSPORT_VERSION: message.v: expected 1, found undefined",
        "DPD_TRANSPORT_MESSAGE: message.type: expected one of state, snapshot, heartbeat, error, found "nope"",
        "DPD_TRANSPORT_MESSAGE: state message.revision: expected an integer ≥ 0, found -1",
        "DPD_TRANSPORT_MESSAGE: heartbeat message.revisions["n"]: expected an integer ≥ 0, found "1"",
        "DPD_TRANSPORT_MESSAGE: heartbeat message.report.procs[0].state: expected a non-empty string, found nothing",
      ]
    `);
  });
});

describe('z85', () => {
  it('encodes the RFC 32 test vector', () => {
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
  });
});
