// The master's read-only HTTP API: JSON, GET only.
//   GET /api/hosts/        every node: liveness, last heartbeat, revisions, load
//   GET /api/nodes/NAME    one node: the same, its wanted processes and its last report
//   GET /api/status        every process on every node (see status-view.ts)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeInfo } from '@diprocd/transport';
import { nodeView } from './status-view.js';

/** What the API reads from the master. */
export interface ApiSource {
  nodes(): NodeInfo[];
  /** The names of the processes the master file gives a node (empty for a node it does not list). */
  wanted(node: string): string[];
  /** The process definitions it publishes to a node. */
  desired(node: string): unknown[];
}

const host = (info: NodeInfo) => ({
  name: info.name,
  liveness: info.liveness,
  lastHeartbeat: info.lastHeartbeat === null ? null : new Date(info.lastHeartbeat).toISOString(),
  revision: info.revision,
  applied: info.applied,
  load: info.report?.load ?? null,
});

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function route(source: ApiSource, req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://master').pathname.replace(/\/+$/, '');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, { error: `${req.method} is not allowed here: this API is read-only` });
  }
  if (path === '/api/hosts') return send(res, 200, source.nodes().map(host));
  if (path === '/api/status') return send(res, 200, source.nodes().flatMap((info) => nodeView(info, source.wanted(info.name))));
  const node = /^\/api\/nodes\/([^/]+)$/.exec(path)?.[1];
  if (node !== undefined) {
    const name = decodeURIComponent(node);
    const info = source.nodes().find((n) => n.name === name);
    if (!info) return send(res, 404, { error: `no node named ${JSON.stringify(name)} in the master file or among the nodes that reported` });
    return send(res, 200, { ...host(info), procs: nodeView(info, source.wanted(name)), desired: source.desired(name), report: info.report });
  }
  send(res, 404, { error: `no such resource ${JSON.stringify(path)}; try /api/hosts/, /api/nodes/NAME or /api/status` });
}

/** Listens on `address` ("HOST:PORT"); resolves with the server and the address it got (port 0 picks one). */
export function serveApi(address: string, source: ApiSource): Promise<{ server: Server; url: string }> {
  const colon = address.lastIndexOf(':');
  const hostname = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  const server = createServer((req, res) => {
    try {
      route(source, req, res);
    } catch (error) {
      send(res, 500, { error: (error as Error).message });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(Object.assign(new Error(`http ${address}: cannot listen: ${error.code ?? error.message}`), { code: 'DPD_HTTP_LISTEN' })));
    server.listen(port, hostname, () => {
      const bound = server.address() as AddressInfo;
      resolve({ server, url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` });
    });
  });
}
