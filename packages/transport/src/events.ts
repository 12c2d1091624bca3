// The events of the server and the client, by name, in one place.
import type { TransportError } from './errors.js';
import type { UnprovenReport } from './server/unproven.js';
import type { NodeReport } from './types.js';

/** Events of {@link TransportServer}. */
export interface TransportServerEvents {
  /** A node's heartbeats arrive (first time, or again after suspect/down). */
  'node.up': { node: string };
  /** No heartbeat from the node for `suspectAfterMs`. */
  'node.suspect': { node: string };
  /** No heartbeat from the node for `downAfterMs`. */
  'node.down': { node: string };
  /** A heartbeat carried a status report. */
  'node.report': { node: string; report: NodeReport };
  /** The ZAP handler refused a client key (fires on each connection attempt). */
  'auth.rejected': { publicKey: string; address: string };
  /**
   * Messages that proved nothing arrived (counted, never stored); at most one event per 10 s, with the count since the
   * last.
   */
  unproven: UnprovenReport;
  /** Something worth a loud line, e.g. plaintext on a non-loopback address. */
  warning: { message: string };
  /**
   * A recoverable problem (malformed message, send failure); the server carries on. Only emitted when someone listens.
   */
  error: { error: TransportError };
}

/** Events of {@link TransportClient}. */
export interface TransportClientEvents {
  /** A desired list newer than the last one emitted (or the first of a restarted master). */
  state: { epoch: string; revision: number; procs: unknown[] };
  /**
   * The master is heard from: a heartbeat, a state for this node or a snapshot (after start, or again after
   * `disconnected`).
   */
  connected: { epoch: string };
  /** Nothing heard from the master for 3 master periods. */
  disconnected: Record<string, never>;
  /**
   * A recoverable problem (malformed message, report() threw, auth refused); the client carries on. Only emitted when
   * someone listens.
   */
  error: { error: TransportError };
}
