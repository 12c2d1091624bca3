// The master's HTTP API, JSON. Reads are open (the API binds to loopback
// by default); every write needs `Authorization: Bearer TOKEN`.
//   GET /api/hosts/                 every node: liveness, last heartbeat, revisions, load
//   GET /api/nodes/NAME             one node: the same, its wanted processes and its last report
//   GET /api/status                 every process on every node (see status-view.ts)
//   GET /api/transport              whether it is sealed, and the messages taken, malformed and unproven
//   POST /api/procs/                submit a job → 201 {process: "/api/procs/ID/"}
//   GET /api/procs/?page=&per_page= jobs, newest first
//   GET /api/procs/ID/              one job;  DELETE cancels it
//   GET /api/procs/ID/logfile/      its log (text)
//   POST /api/procs/ID/STATE/, POST /api/procs/ID/logfile/   the original's, kept
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostView } from '@diprocd/daemonkit';
import type { NodeInfo, TransportCounters } from '@diprocd/transport';
import type { JobService, Outcome } from '../jobs/job-service.js';
import { redactProc } from '../jobs/redact.js';
import { nodeView } from './status-view.js';

// Request bodies: a job spec, or an uploaded log.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** What the API reads from the master. */
export interface ApiSource {
  nodes(): NodeInfo[];
  /** The names of the processes the master file gives a node (empty for a node it does not list). */
  wanted(node: string): string[];
  /** The process definitions it publishes to a node. */
  desired(node: string): unknown[];
  jobs: JobService;
  /** The bearer token writes need; null refuses every write. */
  token: string | null;
  /** The transport: sealed or plaintext, and what it counted. */
  transport(): { encrypted: boolean; counters: TransportCounters };
}

const host = (info: NodeInfo): HostView => ({
  name: info.name,
  liveness: info.liveness,
  lastHeartbeat: info.lastHeartbeat === null ? null : new Date(info.lastHeartbeat).toISOString(),
  revision: info.revision,
  applied: info.applied,
  load: info.report?.load ?? null,
});

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`request body over ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Why a write is refused (401), or null when its bearer token is right. */
function refused(source: ApiSource, req: IncomingMessage): string | null {
  if (source.token === null) return 'writes are disabled: no API token is configured (api_token in the master file, or DPD_API_TOKEN in its environment)';
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (given === undefined) return 'this request needs an "Authorization: Bearer TOKEN" header';
  const [a, b] = [Buffer.from(given), Buffer.from(source.token)];
  return a.length === b.length && timingSafeEqual(a, b) ? null : 'wrong API token';
}

/** The job routes; undefined when the path is not one of them. */
async function jobRoute(source: ApiSource, req: IncomingMessage, path: string, query: URLSearchParams): Promise<Outcome | undefined> {
  const jobs = source.jobs;
  const [, id, rest] = /^\/api\/procs(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path) ?? [];
  if (!path.startsWith('/api/procs') || (path !== '/api/procs' && id === undefined)) return undefined;
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  if (write) {
    const reason = refused(source, req);
    if (reason) return { status: 401, body: { error: reason } };
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (id === undefined) {
    if (method === 'POST') {
      let spec: unknown;
      try {
        spec = JSON.parse(await readBody(req));
      } catch (error) {
        return { status: (error as { status?: number }).status ?? 400, body: { error: `the body is not a JSON job spec: ${(error as Error).message}` } };
      }
      return jobs.submit(spec);
    }
    if (method === 'GET') {
      const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
      const perPage = Math.min(500, Math.max(1, Number.parseInt(query.get('per_page') ?? '50', 10) || 50));
      return jobs.list(page, perPage);
    }
  } else if (rest === undefined) {
    if (method === 'GET') return jobs.show(id);
    if (method === 'DELETE') return jobs.cancel(id);
  } else if (rest === 'logfile') {
    if (method === 'GET') return jobs.logfile(id);
    if (method === 'POST') return jobs.uploadLog(id, await readBody(req));
  } else if (method === 'POST') {
    return jobs.setState(id, rest);
  }
  return { status: 405, body: { error: `${req.method} is not allowed on ${path}/` } };
}

async function route(source: ApiSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://master');
  const path = url.pathname.replace(/\/+$/, '');
  const job = await jobRoute(source, req, path, url.searchParams);
  if (job) return send(res, job.status, job.body);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: `${req.method} is not allowed on ${path}/: only jobs (/api/procs/) take writes` });
  }
  if (path === '/api/hosts') return send(res, 200, source.nodes().map(host));
  if (path === '/api/status') return send(res, 200, source.nodes().flatMap((info) => nodeView(info, source.wanted(info.name))));
  if (path === '/api/transport') return send(res, 200, source.transport());
  const node = /^\/api\/nodes\/([^/]+)$/.exec(path)?.[1];
  if (node !== undefined) {
    const name = decodeURIComponent(node);
    const info = source.nodes().find((n) => n.name === name);
    if (!info) return send(res, 404, { error: `no node named ${JSON.stringify(name)} in the master file or among the nodes that reported` });
    return send(res, 200, { ...host(info), procs: nodeView(info, source.wanted(name)), desired: source.desired(name).map(redactProc), report: info.report });
  }
  send(res, 404, { error: `no such resource ${JSON.stringify(path)}; try /api/hosts/, /api/nodes/NAME, /api/status or /api/procs/` });
}

/** Listens on `address` ("HOST:PORT"); resolves with the server and the address it got (port 0 picks one). */
export function serveApi(address: string, source: ApiSource): Promise<{ server: Server; url: string }> {
  const colon = address.lastIndexOf(':');
  const hostname = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const server = createServer((req, res) => {
    route(source, req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, { error: error.message });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(`http ${address}: cannot listen: ${error.code ?? error.message}`), { code: 'DPD_HTTP_LISTEN' })));
    server.listen(port, hostname, () => {
      const bound = server.address() as AddressInfo;
      resolve({ server, url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` });
    });
  });
}
