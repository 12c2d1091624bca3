// JSON body frames: encode what we send, decode and check what arrives.
// Decoding checks a message's clear fields; what it carries is checked by
// checkBody once it has been opened (see wire/envelope.ts).
import { TransportError } from '../errors.js';
import type { MasterMessage, Message, NodeMessage } from './messages.js';
import { PROTOCOL_VERSION } from './messages.js';
import * as check from './validate.js';

/** Encodes a message as the UTF-8 JSON body frame. */
export function encode(message: Message): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

// The types that carry a box (or, in plaintext, a body): all a node sends, and the master's state, snapshot and answer.
const MASTER_CARRIES = new Set(['state', 'snapshot', 'answer']);
const NODE_CARRIES = new Set(['snapshot.request', 'heartbeat', 'request']);

const MASTER_SHAPES = {
  state: { epoch: check.string, node: check.string, revision: check.revision },
  snapshot: { epoch: check.string, node: check.string, revision: check.revision },
  heartbeat: { epoch: check.string, periodMs: check.positive, revisions: check.revisions },
  answer: { node: check.string },
  error: { code: check.string, message: check.string },
} as const;

const NODE_SHAPES = {
  'snapshot.request': { node: check.string },
  heartbeat: { node: check.string },
  request: { node: check.string },
} as const;

/** The shape of what each sealed message carries, by the side that sends it and its type. */
const BODY_SHAPES = {
  master: {
    state: { procs: check.array },
    snapshot: { procs: check.array },
    answer: { id: check.revision, answer: check.defined },
  },
  node: {
    'snapshot.request': {},
    heartbeat: { periodMs: check.positive, applied: check.applied, report: check.report },
    request: { id: check.revision, request: check.defined },
  },
} as const satisfies Record<'master' | 'node', Record<string, Record<string, check.Check>>>;

function parse(frame: Uint8Array | string | undefined): Record<string, unknown> {
  if (frame === undefined) throw new TransportError('DPD_TRANSPORT_MESSAGE', 'message has no body frame');
  let value: unknown;
  try {
    value = JSON.parse(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8'));
  } catch (cause) {
    throw new TransportError('DPD_TRANSPORT_MESSAGE', `body frame is not JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TransportError('DPD_TRANSPORT_MESSAGE', 'body frame is not a JSON object');
  }
  const message = value as Record<string, unknown>;
  if (message.v !== PROTOCOL_VERSION) {
    throw new TransportError(
      'DPD_TRANSPORT_VERSION',
      `message.v: expected ${PROTOCOL_VERSION}, found ${JSON.stringify(message.v)}`,
    );
  }
  return message;
}

function decodeWith<T>(
  frame: Uint8Array | string | undefined,
  shapes: Record<string, Record<string, check.Check>>,
  carries: Set<string>,
): T {
  const message = parse(frame);
  const type = message.type;
  const shape = typeof type === 'string' && Object.hasOwn(shapes, type) ? shapes[type] : undefined;
  if (!shape) {
    throw new TransportError(
      'DPD_TRANSPORT_MESSAGE',
      `message.type: expected one of ${Object.keys(shapes).join(', ')}, found ${JSON.stringify(type)}`,
    );
  }
  const problem =
    check.fields(message, 'message', shape) ?? (carries.has(type as string) ? check.carried(message) : undefined);
  if (problem) throw new TransportError('DPD_TRANSPORT_MESSAGE', `${type} ${problem}`);
  return message as T;
}

/**
 * Decodes a body frame sent by the master; throws a TransportError (DPD_TRANSPORT_MESSAGE or DPD_TRANSPORT_VERSION).
 */
export function decodeMasterMessage(frame: Uint8Array | string | undefined): MasterMessage {
  return decodeWith<MasterMessage>(frame, MASTER_SHAPES, MASTER_CARRIES);
}

/** Decodes a body frame sent by a node; throws a TransportError (DPD_TRANSPORT_MESSAGE or DPD_TRANSPORT_VERSION). */
export function decodeNodeMessage(frame: Uint8Array | string | undefined): NodeMessage {
  return decodeWith<NodeMessage>(frame, NODE_SHAPES, NODE_CARRIES);
}

/** Decodes any message of the protocol, from either side (a message with a `node` and no `epoch` is a node's). */
export function decode(frame: Uint8Array | string | undefined): Message {
  const message = parse(frame);
  const fromNode = Object.hasOwn(NODE_SHAPES, String(message.type)) && 'node' in message;
  return fromNode ? decodeNodeMessage(frame) : decodeMasterMessage(frame);
}

/** Checks what an opened message carries; throws DPD_TRANSPORT_MESSAGE naming the field. */
export function checkBody<T>(from: 'master' | 'node', type: string, body: unknown): T {
  const shapes: Record<string, Record<string, check.Check>> = BODY_SHAPES[from];
  const problem = check.fields(body, 'message.body', shapes[type] ?? {});
  if (problem) throw new TransportError('DPD_TRANSPORT_MESSAGE', `${type} ${problem}`);
  return body as T;
}
