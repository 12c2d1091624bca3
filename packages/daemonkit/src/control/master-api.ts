// The shapes of dpd-masterd's HTTP API answers, shared by the master that
// serves them and dpd-ctl that reads them.

/** One node, as GET /api/hosts/ lists it. */
export interface HostView {
  name: string;
  liveness: string;
  /** ISO time, or null when it never sent one. */
  lastHeartbeat: string | null;
  revision: number;
  applied: number | null;
  load: number[] | null;
}

/** One process of one node, as GET /api/status lists it. */
export interface ProcView {
  node: string;
  name: string;
  /** In words: running, stopped by admin, down by error, up though it should not be, node down… */
  status: string;
  /** The original diprocd's name for it (ADMIN_down, ERROR_down…). */
  original: string;
  /** The supervisor's state as the node reported it (null when not reported). */
  state: string | null;
  pid: number | null;
  restarts: number;
  lastExit: { code: number | null; signal: string | null } | null;
  wanted: boolean;
}
