// The shapes the master and the nodes exchange, as the public API sees them.

/** How the master sees a node: never heard, heartbeating, silent for a while, or gone. */
export type Liveness = 'unknown' | 'alive' | 'suspect' | 'down';

/** One supervised process as a node reports it. */
export interface ProcReport {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null } | null;
}

/** What a node reports with each heartbeat. */
export interface NodeReport {
  /** The revision of the desired list the node has applied (as the node sees it). */
  revision: number;
  /** The host's 1, 5 and 15 minute load averages. */
  load: [number, number, number];
  procs: ProcReport[];
  extra?: Record<string, unknown>;
}

/** What the master knows about one node. */
export interface NodeInfo {
  name: string;
  liveness: Liveness;
  /** When the last heartbeat arrived, by the server's clock; null if never. */
  lastHeartbeat: number | null;
  /** The desired revision (0 until a list was set for the node). */
  revision: number;
  /** The revision the node says it has applied in this master run; null if none. */
  applied: number | null;
  report: NodeReport | null;
}
