// One side's link to one node: how what a message says is put in it and
// taken out. With CURVE every such message is sealed with the node's keys
// (a box that opens proves who sent it); in plaintext it rides in the clear
// and proves nothing.
import type { NodeKeys } from '../curve/node-keys.js';
import type { Carried } from './messages.js';
import { open, seal, sealAad } from './seal.js';

export interface Link {
  /** True when messages are sealed (CURVE), false in plaintext. */
  readonly sealed: boolean;
  /** What `body` becomes in a message: `{box}` or `{body}`. */
  put<T>(aad: readonly (string | number)[], body: T): Carried<T>;
  /**
   * What a message carries, or undefined when it is not proven (a box that does not open; a box or body where the other
   * is due).
   */
  take(aad: readonly (string | number)[], message: { box?: string; body?: unknown }): unknown;
}

/** The plaintext link: bodies in the clear; a sealed box is not what a plaintext peer sends. */
export const PLAIN_LINK: Link = {
  sealed: false,
  put: <T>(_aad: readonly (string | number)[], body: T) => ({ body }) as Carried<T>,
  take: (_aad, message) => (message.box === undefined ? message.body : undefined),
};

/** A sealed link: `sendKey` seals what this side sends, `receiveKey` opens what it receives. */
export function sealedLink(sendKey: Buffer, receiveKey: Buffer): Link {
  return {
    sealed: true,
    put: <T>(aad: readonly (string | number)[], body: T) => ({ box: seal(sendKey, sealAad(aad), body) }) as Carried<T>,
    take: (aad, message) => (typeof message.box === 'string' ? open(receiveKey, sealAad(aad), message.box) : undefined),
  };
}

/** The master's link to a node. */
export const masterLink = (keys: NodeKeys): Link => sealedLink(keys.masterToNode, keys.nodeToMaster);
/** A node's link to the master. */
export const nodeLink = (keys: NodeKeys): Link => sealedLink(keys.nodeToMaster, keys.masterToNode);

/** The clear fields a box is bound to, by message type (see the README, "Sealing"). */
export const aadOf = {
  state: (type: 'state' | 'snapshot', epoch: string, node: string, revision: number) =>
    [type, epoch, node, revision] as const,
  answer: (node: string) => ['answer', node] as const,
  node: (type: 'snapshot.request' | 'heartbeat' | 'request', node: string) => [type, node] as const,
};
