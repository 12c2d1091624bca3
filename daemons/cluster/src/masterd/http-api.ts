// The master's HTTP API, JSON, over http or (with http_tls) https. Reads
// are open (the API binds to loopback by default); every write, and a
// job's log, needs `Authorization: Bearer TOKEN`. A Host header that is
// not a name the API is served on is refused (421).
//   GET /api/hosts/                 every node: liveness, last heartbeat, revisions, load
//   GET /api/nodes/NAME             one node: the same, its wanted processes and its last report
//   GET /api/status                 every process on every node (see status-view.ts)
//   GET /api/transport              whether it is sealed, and the messages taken, malformed and unproven
//   POST /api/procs/                submit a job → 201 {process: "/api/procs/ID/"}
//   GET /api/procs/?page=&per_page= jobs, newest first
//   GET /api/procs/ID/              one job;  DELETE cancels it
//   GET /api/procs/ID/logfile/      its log (text; needs the token: a failing job's output may hold secrets)
//   POST /api/procs/ID/STATE/, POST /api/procs/ID/logfile/   the original's, kept
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HostView } from '@diprocd/daemonkit';
import type { NodeInfo, TransportCounters } from '@diprocd/transport';
import { ClusterError, osReason } from '../errors.js';
import type { JobService, Outcome } from '../jobs/job-service.js';
import { redactProc } from '../jobs/redact.js';
import { hostRefused } from './host-check.js';
import type { HttpOptions } from './http-options.js';
import { nodeView } from './status-view.js';

// Request bodies: a job spec, or an uploaded log.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
// How long the rest of a body over the limit is read (and dropped) before the 413, so the client is answered, not
// reset.
const DRAIN_MS = 10_000;

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
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const tooLarge = () =>
  Object.assign(new Error(`the request body is over the limit of ${MAX_BODY_BYTES} bytes`), { status: 413 });

/**
 * The request body, at most MAX_BODY_BYTES. A longer one (declared or
 * sent) is read to its end and dropped, never kept, and then rejected with
 * 413: answering while the client still sends would reset the connection
 * under it. After DRAIN_MS the connection is closed.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    let timer: NodeJS.Timeout | undefined;
    const overflow = () => {
      over = true;
      chunks = [];
      timer = setTimeout(() => {
        reject(tooLarge());
        req.socket.destroy();
      }, DRAIN_MS);
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) overflow();
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) overflow();
      else chunks.push(chunk);
    });
    req.once('end', () => {
      clearTimeout(timer);
      if (over) reject(tooLarge());
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A %-decoded path segment, or undefined when its escapes are malformed (`%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Why a write is refused (401), or null when its bearer token is right. */
function refused(source: ApiSource, req: IncomingMessage): string | null {
  if (source.token === null)
    return 'writes are disabled: no API token is configured (api_token in the master file, or DPD_API_TOKEN in its environment)';
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (given === undefined) return 'this request needs an "Authorization: Bearer TOKEN" header';
  const [a, b] = [Buffer.from(given), Buffer.from(source.token)];
  return a.length === b.length && timingSafeEqual(a, b) ? null : 'wrong API token';
}

/** The job routes; undefined when the path is not one of them. */
async function jobRoute(
  source: ApiSource,
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
): Promise<Outcome | undefined> {
  const jobs = source.jobs;
  const [, id, rest] = /^\/api\/procs(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path) ?? [];
  if (!path.startsWith('/api/procs') || (path !== '/api/procs' && id === undefined)) return undefined;
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  // A failing job's log may show its secrets (a command that echoes its environment): the token, as for writes.
  if (write || rest === 'logfile') {
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
        const status = (error as { status?: number }).status;
        return status
          ? { status, body: { error: (error as Error).message } }
          : { status: 400, body: { error: `the body is not a JSON job spec: ${(error as Error).message}` } };
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
    if (method === 'POST') {
      let text: string;
      try {
        text = await readBody(req);
      } catch (error) {
        return { status: (error as { status?: number }).status ?? 400, body: { error: (error as Error).message } };
      }
      return jobs.uploadLog(id, text);
    }
  } else if (method === 'POST') {
    return jobs.setState(id, rest);
  }
  return { status: 405, body: { error: `${req.method} is not allowed on ${path}/` } };
}

async function route(
  source: ApiSource,
  hostnames: readonly string[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const misdirected = hostRefused(req.headers.host, hostnames);
  if (misdirected) {
    res.setHeader('connection', 'close');
    return send(res, 421, { error: misdirected });
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://master');
  } catch {
    return send(res, 400, { error: `malformed request target ${JSON.stringify(req.url)}` });
  }
  const path = url.pathname.replace(/\/+$/, '');
  const job = await jobRoute(source, req, path, url.searchParams);
  if (job) return send(res, job.status, job.body);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: `${req.method} is not allowed on ${path}/: only jobs (/api/procs/) take writes` });
  }
  if (path === '/api/hosts') return send(res, 200, source.nodes().map(host));
  if (path === '/api/status')
    return send(
      res,
      200,
      source.nodes().flatMap((info) => nodeView(info, source.wanted(info.name))),
    );
  if (path === '/api/transport') return send(res, 200, source.transport());
  const node = /^\/api\/nodes\/([^/]+)$/.exec(path)?.[1];
  if (node !== undefined) {
    const name = decodeSegment(node);
    if (name === undefined)
      return send(res, 400, { error: `malformed %-escape in the node name ${JSON.stringify(node)}` });
    const info = source.nodes().find((n) => n.name === name);
    if (!info)
      return send(res, 404, {
        error: `no node named ${JSON.stringify(name)} in the master file or among the nodes that reported`,
      });
    return send(res, 200, {
      ...host(info),
      procs: nodeView(info, source.wanted(name)),
      desired: source.desired(name).map(redactProc),
      report: info.report,
    });
  }
  send(res, 404, {
    error: `no such resource ${JSON.stringify(path)}; try /api/hosts/, /api/nodes/NAME, /api/status or /api/procs/`,
  });
}

/**
 * Listens on `address` ("HOST:PORT"), over TLS when `options.tls`; resolves with the server and the address it got
 * (port 0 picks one).
 */
export function serveApi(
  address: string,
  source: ApiSource,
  options: HttpOptions = { tls: null, hostnames: [] },
): Promise<{ server: Server; url: string }> {
  const colon = address.lastIndexOf(':');
  const hostname = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(source, options.hostnames, req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, { error: error.message });
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ClusterError('DPD_HTTP_LISTEN', `http ${address}: cannot listen: ${osReason(error)}`, { cause: error }),
      ),
    );
    server.listen(port, hostname, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        server,
        url: `${options.tls ? 'https' : 'http'}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
      });
    });
  });
}
