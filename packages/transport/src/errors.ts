// Stable codes of the errors the transport raises or reports.
import { DiprocdError } from '@diprocd/procspec/runtime';

export const TRANSPORT_ERROR_CODES = {
  DPD_TRANSPORT_BIND:
    'The master could not bind an endpoint: address in use, no such interface, permission denied, or a malformed endpoint.',
  DPD_TRANSPORT_CONNECT: 'A client could not connect to an endpoint (malformed endpoint or unsupported protocol).',
  DPD_TRANSPORT_AUTH:
    'CURVE authentication failed: the master rejected a client key, or a client was rejected by the master.',
  DPD_TRANSPORT_MESSAGE:
    'An incoming message is not valid JSON of the protocol, has an unknown type, or misses a field; it was dropped.',
  DPD_TRANSPORT_VERSION: 'An incoming message carries a protocol version `v` other than 2; it was dropped.',
  DPD_TRANSPORT_UNPROVEN:
    'A message was not proven by the key of the node it names (no key is bound to that name, or its box does not open with that key); it was dropped and counted.',
  DPD_TRANSPORT_PLAINTEXT:
    'Plaintext was asked on an address other hosts can reach, and was not allowed explicitly (plaintextRemote).',
  DPD_TRANSPORT_TIMEOUT: 'A request to the master got no answer in time.',
  DPD_TRANSPORT_NODE: 'A node name is empty, longer than 255 bytes, or contains a NUL character.',
  DPD_TRANSPORT_OPTIONS: 'The options given to TransportServer or TransportClient are invalid.',
  DPD_TRANSPORT_KEY:
    'A CURVE key or key file is malformed, missing, already exists, or a secret key file is readable by group or others.',
  DPD_TRANSPORT_REPORT: 'The report() callback of a client threw or rejected; the heartbeat was sent without a report.',
  DPD_TRANSPORT_LISTENER: 'An event listener threw; the server or client reported it and carried on.',
  DPD_TRANSPORT_SEND: 'A message could not be handed to ZeroMQ for a reason other than a full queue.',
  DPD_TRANSPORT_CLOSED: 'The server or client was closed.',
} as const;

export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

/** An error of the transport, with a stable `code` and, where one exists, the ZeroMQ or OS error as `cause`. */
export class TransportError extends DiprocdError<TransportErrorCode> {
  override name = 'TransportError';
}
