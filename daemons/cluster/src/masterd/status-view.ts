// What the master's API says about every process on every node: what the
// master file wants, set against what the node last reported, in the
// original diprocd's terms (running, ADMIN_down, ERROR_down, ERROR_up,
// ERROR_nodedown) with words beside them.
import type { ProcView } from '@diprocd/daemonkit';
import type { NodeInfo } from '@diprocd/transport';

export const STATUS = {
  running: { status: 'running', original: 'running' },
  admin: { status: 'stopped by admin', original: 'ADMIN_down' },
  error: { status: 'down by error', original: 'ERROR_down' },
  unwanted: { status: 'up though it should not be', original: 'ERROR_up' },
  nodeDown: { status: 'node down', original: 'ERROR_nodedown' },
  // Beyond the original: a one-shot that succeeded, and a process the node has not reported yet.
  done: { status: 'exited as planned', original: 'done' },
  pending: { status: 'pending', original: 'pending' },
} as const;

const LIVE = new Set(['starting', 'running', 'paused']);
const BY_STATE: Record<string, (typeof STATUS)[keyof typeof STATUS]> = {
  starting: STATUS.running,
  running: STATUS.running,
  paused: STATUS.running,
  stopped: STATUS.admin,
  stopping: STATUS.admin,
  exited: STATUS.done,
  failed: STATUS.error,
  'gave-up': STATUS.error,
  'spawn-failed': STATUS.error,
  backoff: STATUS.error,
  idle: STATUS.pending,
  waiting: STATUS.pending,
};

/** Every process of one node: the wanted ones first, in file order, then the unwanted ones it reports running. */
export function nodeView(info: NodeInfo, wanted: readonly string[]): ProcView[] {
  const reported = new Map((info.report?.procs ?? []).map((proc) => [proc.name, proc]));
  const view = (name: string, isWanted: boolean): ProcView => {
    const proc = reported.get(name);
    const base = {
      node: info.name,
      name,
      state: proc?.state ?? null,
      pid: proc?.pid ?? null,
      restarts: proc?.restarts ?? 0,
      lastExit: proc?.lastExit ?? null,
      wanted: isWanted,
    };
    // A node that never reported counts as down, as one that stopped reporting.
    if (info.liveness === 'down' || info.liveness === 'unknown') return { ...base, ...STATUS.nodeDown };
    if (!isWanted) return { ...base, ...STATUS.unwanted };
    return { ...base, ...(proc ? (BY_STATE[proc.state] ?? STATUS.error) : STATUS.pending) };
  };
  const names = new Set(wanted);
  // A process the node runs but the file no longer lists (the node has not caught up, or its worker file was edited by
  // hand).
  const unwanted = [...reported.values()].filter((proc) => !names.has(proc.name) && LIVE.has(proc.state));
  return [...wanted.map((name) => view(name, true)), ...unwanted.map((proc) => view(proc.name, false))];
}
