// The public API of @diprocd/transport: adding to it is a semver commitment.
export { TransportServer, MAX_NODE_MESSAGE_BYTES } from './server/transport-server.js';
export { TransportClient } from './client/transport-client.js';
export { generateKeyPair, writeKeyFiles, readKeyFile } from './curve/keys.js';
export { z85Encode, z85Decode, isZ85Key } from './curve/z85.js';
export { deriveNodeKeys } from './curve/node-keys.js';
export { seal, open, sealAad } from './wire/seal.js';
export { encode, decode, decodeMasterMessage, decodeNodeMessage, checkBody } from './wire/codec.js';
export { PROTOCOL_VERSION } from './wire/messages.js';
export { stateTopic, parseTopic } from './wire/topics.js';
export { LivenessTracker } from './liveness/tracker.js';
export { TransportError, TRANSPORT_ERROR_CODES } from './errors.js';

export type { TransportServerOptions } from './server/transport-server.js';
export type { TransportClientOptions } from './client/transport-client.js';
export type { TransportServerEvents, TransportClientEvents } from './events.js';
export type { NodeInfo, NodeReport, ProcReport, Liveness } from './types.js';
export type { Transition } from './liveness/tracker.js';
export type { NodeKeys } from './curve/node-keys.js';
export type { TransportCounters, UnprovenReport, UnprovenReason } from './server/unproven.js';
export type { TransportErrorCode } from './errors.js';
export type {
  Message,
  MasterMessage,
  NodeMessage,
  StateMessage,
  MasterHeartbeatMessage,
  SnapshotRequestMessage,
  NodeHeartbeatMessage,
  ErrorMessage,
  AnswerMessage,
  RequestMessage,
  StateBody,
  HeartbeatBody,
  RequestBody,
  AnswerBody,
  Carried,
} from './wire/messages.js';
