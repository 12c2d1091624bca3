// dpd-ctl --master URL status: the cluster as dpd-masterd's read-only HTTP API sees it.
import type { HostView, ProcView } from '@diprocd/daemonkit';
import { CtlError } from '../errors.js';
import { columns, formatExit, formatUptime } from './format.js';

export interface ClusterStatus {
  hosts: HostView[];
  status: ProcView[];
}

const TIMEOUT_MS = 5_000;

/**
 * The master's base URL, checked: http(s) only, without a trailing slash.
 * `option`: the --master value, if that is where `text` came from (else the
 * environment's DPD_MASTER), to name it in the message.
 */
export function masterUrl(text: string, option: string | undefined): string {
  const from = option === undefined ? 'DPD_MASTER' : '--master';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CtlError(
      'DPD_MASTER_URL',
      `${from} ${JSON.stringify(text)} is not an http or https URL; expected e.g. http://127.0.0.1:5080`,
      { exitCode: 2 },
    );
  }
  // The API's paths go after the base's own (a master behind a proxy at /diprocd/); a query or #hash has no place.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Why fetch failed, in a few words: undici hides the socket error in `cause` (an AggregateError when several addresses
 * were tried).
 */
function reason(error: unknown): string {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  return cause?.code ?? (cause?.message || (error as Error).message);
}

/** How dpd-ctl calls the master: a method, a body, the API token for writes. */
export interface MasterCall {
  method?: string;
  body?: string;
  token?: string | null;
}

/**
 * Calls the master's API; resolves with the answer's JSON (or its text, for
 * a log). Throws DPD_MASTER_UNREACHABLE, or DPD_MASTER_HTTP with the
 * master's own reason for an answer other than 2xx.
 */
export async function callMaster(base: string, path: string, call: MasterCall = {}): Promise<unknown> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${base}${path}`, {
      method: call.method ?? 'GET',
      body: call.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        accept: 'application/json',
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      },
    });
    text = await response.text();
  } catch (error) {
    throw new CtlError(
      'DPD_MASTER_UNREACHABLE',
      `cannot reach the master at ${base}: ${reason(error)}; is dpd-masterd running there?`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status < 200 || response.status > 299) {
    const said =
      typeof (body as { error?: unknown })?.error === 'string'
        ? (body as { error: string }).error
        : `${response.statusText || 'no reason given'} (not the master's JSON; is ${base} a dpd-masterd?)`;
    const issues =
      (body as { issues?: { path: string; message: string }[] })?.issues
        ?.map((issue) => `\n  ${issue.path}: ${issue.message}`)
        .join('') ?? '';
    throw new CtlError(
      'DPD_MASTER_HTTP',
      `the master at ${base} answered ${call.method ?? 'GET'} ${path} with ${response.status}: ${said}${issues}`,
    );
  }
  return body === undefined ? text : body;
}

async function get(base: string, path: string): Promise<unknown> {
  const body = await callMaster(base, path);
  if (!Array.isArray(body))
    throw new CtlError(
      'DPD_MASTER_HTTP',
      `the master at ${base} answered ${path} with something other than a JSON array; is it a dpd-masterd?`,
    );
  return body;
}

/** GET /api/hosts/ and /api/status of the master at `base`, both at once. */
export async function fetchClusterStatus(base: string): Promise<ClusterStatus> {
  // Both at once, but a failure of both is reported as the hosts' one, whichever came first: the same run, the same
  // message.
  const [hosts, status] = await Promise.allSettled([get(base, '/api/hosts/'), get(base, '/api/status')]);
  if (hosts.status === 'rejected') throw hosts.reason;
  if (status.status === 'rejected') throw status.reason;
  return { hosts: hosts.value as HostView[], status: status.value as ProcView[] };
}

function heartbeat(host: HostView, now: number): string {
  if (host.lastHeartbeat === null) return 'never';
  const age = now - Date.parse(host.lastHeartbeat);
  return `${host.lastHeartbeat} (${formatUptime(Math.max(0, age))} ago)`;
}

/**
 * One block per node: a line with its liveness, last heartbeat and load, then
 * its processes; the columns line up across blocks.
 */
export function clusterTable({ hosts, status }: ClusterStatus, now = Date.now()): string {
  // A process of a node the hosts list lacks (it changed between the two requests) still shows.
  const names = [...new Set([...hosts.map((host) => host.name), ...status.map((proc) => proc.node)])];
  if (names.length === 0) return 'the master file lists no nodes and no node reported';
  const header = ['NODE', 'NAME', 'STATUS', 'PID', 'RESTARTS', 'LAST EXIT'];
  const rows = status.map((p) => [
    p.node,
    p.name,
    p.status,
    p.pid === null ? '-' : String(p.pid),
    String(p.restarts),
    formatExit(p.lastExit),
  ]);
  const lines = columns([header, ...rows]);
  const [head, body] = [lines[0]!, lines.slice(1)];
  return names
    .map((name) => {
      const host = hosts.find((h) => h.name === name);
      const about = host
        ? `${host.liveness}, last heartbeat ${heartbeat(host, now)}${
            host.load ? `, load ${host.load.map((n) => n.toFixed(2)).join(' ')}` : ''
          }`
        : 'not among the hosts';
      const procs = body.filter((_, i) => status[i]!.node === name);
      return [`${name}: ${about}`, ...(procs.length > 0 ? [head, ...procs] : ['  (no processes)'])].join('\n');
    })
    .join('\n\n');
}
