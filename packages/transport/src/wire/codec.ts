// JSON body frames: encode what we send, decode and check what arrives.
import { TransportError } from '../errors.js';
import type { MasterMessage, Message, NodeMessage } from './messages.js';
import { PROTOCOL_VERSION } from './messages.js';
import * as check from './validate.js';

/** Encodes a message as the UTF-8 JSON body frame. */
export function encode(message: Message): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}

const MASTER_SHAPES = {
  state: { epoch: check.string, node: check.string, revision: check.revision, procs: check.array },
  snapshot: { epoch: check.string, node: check.string, revision: check.revision, procs: check.array },
  heartbeat: { epoch: check.string, periodMs: check.positive, revisions: check.revisions },
  error: { code: check.string, message: check.string },
} as const;

const NODE_SHAPES = {
  'snapshot.request': { node: check.string },
  heartbeat: { node: check.string, periodMs: check.positive, applied: check.applied, report: check.report },
} as const;

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
    throw new TransportError('DPD_TRANSPORT_VERSION', `message.v: expected ${PROTOCOL_VERSION}, found ${JSON.stringify(message.v)}`);
  }
  return message;
}

function decodeWith<T>(frame: Uint8Array | string | undefined, shapes: Record<string, Record<string, check.Check>>): T {
  const message = parse(frame);
  const type = message.type;
  const shape = typeof type === 'string' && Object.hasOwn(shapes, type) ? shapes[type] : undefined;
  if (!shape) {
    throw new TransportError('DPD_TRANSPORT_MESSAGE', `message.type: expected one of ${Object.keys(shapes).join(', ')}, found ${JSON.stringify(type)}`);
  }
  const problem = check.fields(message, 'message', shape);
  if (problem) throw new TransportError('DPD_TRANSPORT_MESSAGE', `${type} ${problem}`);
  return message as T;
}

/** Decodes a body frame sent by the master; throws a TransportError (DPD_TRANSPORT_MESSAGE or DPD_TRANSPORT_VERSION). */
export function decodeMasterMessage(frame: Uint8Array | string | undefined): MasterMessage {
  return decodeWith<MasterMessage>(frame, MASTER_SHAPES);
}

/** Decodes a body frame sent by a node; throws a TransportError (DPD_TRANSPORT_MESSAGE or DPD_TRANSPORT_VERSION). */
export function decodeNodeMessage(frame: Uint8Array | string | undefined): NodeMessage {
  return decodeWith<NodeMessage>(frame, NODE_SHAPES);
}

/** Decodes any message of the protocol, from either side. */
export function decode(frame: Uint8Array | string | undefined): Message {
  const message = parse(frame);
  return message.type === 'snapshot.request' || (message.type === 'heartbeat' && 'node' in message) ? decodeNodeMessage(frame) : decodeMasterMessage(frame);
}
