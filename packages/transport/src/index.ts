// The public API of @diprocd/transport: adding to it is a semver commitment.
export { TransportServer } from './server/transport-server.js';
export { TransportClient } from './client/transport-client.js';
export { generateKeyPair, writeKeyFiles, readKeyFile } from './curve/keys.js';
export { z85Encode, isZ85Key } from './curve/z85.js';
export { encode, decode, decodeMasterMessage, decodeNodeMessage } from './wire/codec.js';
export { PROTOCOL_VERSION } from './wire/messages.js';
export { stateTopic, parseTopic } from './wire/topics.js';
export { LivenessTracker } from './liveness/tracker.js';
export { TransportError, TRANSPORT_ERROR_CODES } from './errors.js';

export type { TransportServerOptions } from './server/transport-server.js';
export type { TransportClientOptions } from './client/transport-client.js';
export type { TransportServerEvents, TransportClientEvents } from './events.js';
export type { NodeInfo, NodeReport, ProcReport, Liveness } from './types.js';
export type { Transition } from './liveness/tracker.js';
export type { TransportErrorCode } from './errors.js';
export type { Message, MasterMessage, NodeMessage, StateMessage, MasterHeartbeatMessage, SnapshotRequestMessage, NodeHeartbeatMessage, ErrorMessage } from './wire/messages.js';
