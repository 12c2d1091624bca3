// Every message of the protocol, as the JSON body frame carries it. A
// message's routing fields travel in the clear; what it says travels in
// `box` (sealed for the one node, with CURVE) or in `body` (plaintext).
import type { NodeReport } from '../types.js';

/** The protocol version every message carries as `v`. */
export const PROTOCOL_VERSION = 2;

/** What a message says, sealed for its node (`box`, base64) or in the clear (`body`, plaintext mode only). */
export type Carried<T> = { box: string; body?: never } | { body: T; box?: never };

/**
 * Master → nodes (PUB): a node's whole desired list; also the ROUTER's answer to a snapshot request (`type:
 * 'snapshot'`).
 */
export type StateMessage = {
  v: 2;
  type: 'state' | 'snapshot';
  /** Identifies one run of the master; revisions only compare within one epoch. */
  epoch: string;
  node: string;
  revision: number;
} & Carried<StateBody>;

/** What a state or snapshot says. */
export interface StateBody {
  procs: unknown[];
}

/** Master → nodes (PUB), every period: the node's current revision. */
export interface MasterHeartbeatMessage {
  v: 2;
  type: 'heartbeat';
  epoch: string;
  periodMs: number;
  revisions: Record<string, number>;
}

/** Master → node (ROUTER): the answer to a request. */
export type AnswerMessage = { v: 2; type: 'answer'; node: string } & Carried<AnswerBody>;

export interface AnswerBody {
  id: number;
  answer: unknown;
}

/** Master → node (ROUTER): the node's last message was rejected. */
export interface ErrorMessage {
  v: 2;
  type: 'error';
  code: string;
  message: string;
}

/** Node → master (DEALER): send me my current state. */
export type SnapshotRequestMessage = { v: 2; type: 'snapshot.request'; node: string } & Carried<
  Record<string, unknown>
>;

/** Node → master (DEALER), every period: alive, what was applied, what runs. */
export type NodeHeartbeatMessage = { v: 2; type: 'heartbeat'; node: string } & Carried<HeartbeatBody>;

export interface HeartbeatBody {
  periodMs: number;
  applied: { epoch: string; revision: number } | null;
  report: NodeReport | null;
}

/** Node → master (DEALER): a question the master answers once (for example a claim on a job). */
export type RequestMessage = { v: 2; type: 'request'; node: string } & Carried<RequestBody>;

export interface RequestBody {
  /** The node's number for the request; the answer carries it back. */
  id: number;
  request: unknown;
}

/** What the master publishes or answers. */
export type MasterMessage = StateMessage | MasterHeartbeatMessage | AnswerMessage | ErrorMessage;
/** What a node sends. */
export type NodeMessage = SnapshotRequestMessage | NodeHeartbeatMessage | RequestMessage;
/** Any message of the protocol. */
export type Message = MasterMessage | NodeMessage;
