// Topic frames of the PUB socket. ZeroMQ subscriptions match by prefix, so
// each topic ends with a NUL byte: "state\0node1\0" is not a prefix of
// "state\0node10\0", and a node name may not contain NUL.

/** The topic frame of a node's desired state: `state\0<node>\0`. */
export function stateTopic(node: string): string {
  return `state\0${node}\0`;
}

/** The topic frame of the master heartbeat. */
export const HEARTBEAT_TOPIC = 'heartbeat\0';

/** Parses a topic frame: the heartbeat, a node's state, or undefined for anything else. */
export function parseTopic(topic: string): { kind: 'heartbeat' } | { kind: 'state'; node: string } | undefined {
  if (topic === HEARTBEAT_TOPIC) return { kind: 'heartbeat' };
  const match = /^state\0([^\0]+)\0$/.exec(topic);
  return match ? { kind: 'state', node: match[1]! } : undefined;
}
