// Every message of the protocol, as the JSON body frame carries it.
import type { NodeReport } from '../types.js';

/** The protocol version every message carries as `v`. */
export const PROTOCOL_VERSION = 1;

/** Master → nodes (PUB): a node's whole desired list; also the ROUTER's answer to a snapshot request (`type: 'snapshot'`). */
export interface StateMessage {
  v: 1;
  type: 'state' | 'snapshot';
  /** Identifies one run of the master; revisions only compare within one epoch. */
  epoch: string;
  node: string;
  revision: number;
  procs: unknown[];
}

/** Master → nodes (PUB), every period: each node's current revision. */
export interface MasterHeartbeatMessage {
  v: 1;
  type: 'heartbeat';
  epoch: string;
  periodMs: number;
  revisions: Record<string, number>;
}

/** Node → master (DEALER): send me my current state. */
export interface SnapshotRequestMessage {
  v: 1;
  type: 'snapshot.request';
  node: string;
}

/** Node → master (DEALER), every period: alive, what was applied, what runs. */
export interface NodeHeartbeatMessage {
  v: 1;
  type: 'heartbeat';
  node: string;
  periodMs: number;
  applied: { epoch: string; revision: number } | null;
  report: NodeReport | null;
}

/** Master → node (ROUTER): the node's last message was rejected. */
export interface ErrorMessage {
  v: 1;
  type: 'error';
  code: string;
  message: string;
}

/** What the master publishes or answers. */
export type MasterMessage = StateMessage | MasterHeartbeatMessage | ErrorMessage;
/** What a node sends. */
export type NodeMessage = SnapshotRequestMessage | NodeHeartbeatMessage;
/** Any message of the protocol. */
export type Message = MasterMessage | NodeMessage;
