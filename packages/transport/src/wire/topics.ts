// Topic frames of the PUB socket. ZeroMQ subscriptions match by prefix, so
// each topic ends with a NUL byte: "state\0node1\0" is not a prefix of
// "state\0node10\0", and a node name may not contain NUL. A node's state
// and the master's heartbeats for it share its one topic.

/** The topic frame of everything the master publishes for a node: `state\0<node>\0`. */
export function stateTopic(node: string): string {
  return `state\0${node}\0`;
}

/** The node a topic frame is for, or undefined for anything else. */
export function parseTopic(topic: string): { node: string } | undefined {
  const match = /^state\0([^\0]+)\0$/.exec(topic);
  return match ? { node: match[1]! } : undefined;
}
