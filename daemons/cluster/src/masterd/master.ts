// dpd-masterd's body: the master file, followed; each node's list
// published through the transport; node liveness and reports logged; the
// HTTP API. It logs; main owns the process.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { FollowedFile, fileBase, type DaemonBody, type Logger } from '@diprocd/daemonkit';
import { checkText, diffProcs, procToSpec, type MasterFile } from '@diprocd/procspec';
import { TransportServer, type NodeInfo } from '@diprocd/transport';
import { JobService } from '../jobs/job-service.js';
import { isClaimRequest } from '../jobs/wire.js';
import { JobStore } from '../jobs/job-store.js';
import { resolveKey } from '../keys.js';
import { serveApi } from './http-api.js';
import { httpOptions } from './http-options.js';

/** A master file checked by procspec: its value, or its issues as "file:path: reason" lines. */
export const loadMasterFile = (file: string, text: string) => checkText('master', file, text);

/** The master's state dir: the file's, else beside the file. */
export const masterStateDir = (file: string, master: MasterFile) => master.state_dir ?? `${fileBase(file)}.state`;

// Keys that take effect only when the master restarts.
const FIXED = [
  'master_stats',
  'master_updates',
  'http',
  'http_tls',
  'http_plaintext_remote',
  'http_hostnames',
  'curve',
  'plaintext_remote',
  'heartbeat',
  'suspect_after',
  'down_after',
  'job_lost_after',
  'state_dir',
  'api_token',
] as const;

export class Master implements DaemonBody {
  private readonly followed: FollowedFile<MasterFile>;
  private readonly jobs: JobService;
  private http: Server | undefined;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private stopping = false;
  readyFields: Record<string, unknown> = {};

  private constructor(
    file: string,
    private master: MasterFile,
    text: string,
    private readonly log: Logger,
    private readonly transport: TransportServer,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.followed = new FollowedFile(file, text, loadMasterFile, log, async (next) => this.apply(next));
    const store = new JobStore(join(masterStateDir(file, master), 'jobs'));
    this.jobs = new JobService(
      store,
      () => transport.nodes(),
      (node) => transport.setDesired(node, this.desiredFor(node)),
      (event, fields) => (event === 'job.lost' ? log.warn(event, fields) : log.info(event, fields)),
      () => ({ allowRoot: this.master.jobs_allow_root, users: this.master.job_users }),
      master.job_lost_after,
    );
  }

  /**
   * What `node` is sent: its processes with every key written out (what the client writes into the worker file), then
   * its jobs.
   */
  desiredFor(node: string): unknown[] {
    return [...(this.master.nodes[node] ?? []).map(procToSpec), ...this.jobs.items(node)];
  }

  /** Publishes every node's list: the file's nodes, and nodes that only have jobs. */
  private publish(): void {
    const nodes = new Set([...Object.keys(this.master.nodes), ...this.transport.nodes().map((node) => node.name)]);
    this.transport.setAll(Object.fromEntries([...nodes].map((node) => [node, this.desiredFor(node)])));
  }

  static async start(file: string, master: MasterFile, text: string, log: Logger): Promise<Master> {
    const curve = master.curve && {
      secretKey: resolveKey(master.curve.secret_key),
      publicKey: resolveKey(master.curve.public_key),
      allow: Object.fromEntries(Object.entries(master.curve.allow).map(([node, ref]) => [node, resolveKey(ref)])),
    };
    // The Master is made after the transport, and the transport asks it about claims: through this cell.
    let self: Master | undefined;
    const transport = new TransportServer({
      updates: master.master_updates,
      stats: master.master_stats,
      ...(curve ? { curve } : {}),
      plaintextRemote: master.plaintext_remote,
      answer: (node, request) =>
        isClaimRequest(request) && self
          ? self.jobs.claim(node, request.claim)
          : { granted: false, reason: 'not a request this master answers' },
      heartbeatMs: master.heartbeat,
      suspectAfterMs: master.suspect_after,
      downAfterMs: master.down_after,
    });
    self = new Master(file, master, text, log, transport);
    const body = self;
    transport
      .on('node.up', ({ node }) => {
        log.info('node.up', { node });
        // A node the master has no list for yet (bound to a key, not in the file, no jobs) still gets one,
        // empty: it then drops what an earlier master file gave it rather than keep running it unlisted.
        if (transport.desired(node).revision === 0) transport.setDesired(node, body.desiredFor(node));
        body.jobs.placeStranded();
      })
      .on('node.suspect', ({ node }) => log.warn('node.suspect', { node }))
      .on('node.down', ({ node }) => {
        log.warn('node.down', { node, note: 'its processes keep running; it converges when it is back' });
        body.jobs.placeStranded();
      })
      .on('unproven', ({ count, first }) =>
        log.warn('transport.unproven', {
          count,
          firstReason: first.reason,
          firstNode: first.node,
          note: 'messages no bound key proved were dropped (counted, not stored); at most one such line per 10 s',
        }),
      )
      .on('node.report', ({ node, report }) => {
        log.debug('node.report', { node, revision: report.revision, procs: report.procs.length });
        body.jobs.report(node, report);
      })
      .on('auth.rejected', ({ publicKey, address }) =>
        log.warn('auth.rejected', { publicKey, address, note: 'this key is not on curve.allow' }),
      )
      .on('warning', ({ message }) => log.warn('transport.warning', { message }))
      .on('error', ({ error }) => log.error('transport.error', { code: error.code, message: error.message }));
    await transport.start();
    if (!curve)
      log.warn('transport.plaintext', {
        note: "no curve key in the master file: every local user can read every node's env, and any of them can speak in any node's name; configure curve keys beyond development",
      });
    try {
      body.publish();
      body.jobs.start();
      const api = await serveApi(master.http, body.apiSource(), httpOptions(file, master));
      body.http = api.server;
      body.readyFields = {
        updates: master.master_updates,
        stats: master.master_stats,
        http: api.url,
        nodes: Object.keys(master.nodes).length,
        stateDir: masterStateDir(file, master),
        encrypted: curve !== null,
      };
    } catch (error) {
      body.jobs.close();
      await transport.close();
      throw error;
    }
    log.info('file.load', { file, nodes: Object.keys(master.nodes) });
    body.followed.start();
    return body;
  }

  private apply(next: MasterFile) {
    const moved = FIXED.filter((key) => JSON.stringify(this.master[key]) !== JSON.stringify(next[key]));
    if (moved.length > 0)
      this.log.warn('file.needs-restart', { changed: moved, note: 'these take effect when the master restarts' });
    // Per node, what moves: only nodes whose list changed get a new revision.
    const nodes: Record<string, { start: string[]; stop: string[]; restart: string[] }> = {};
    for (const node of new Set([...Object.keys(this.master.nodes), ...Object.keys(next.nodes)])) {
      const diff = diffProcs(this.master.nodes[node] ?? [], next.nodes[node] ?? []);
      const names = (procs: { name: string }[]) => procs.map((proc) => proc.name);
      if (diff.start.length + diff.stop.length + diff.restart.length > 0)
        nodes[node] = { start: names(diff.start), stop: names(diff.stop), restart: names(diff.restart) };
    }
    this.master = next;
    this.publish();
    return Promise.resolve({ nodes });
  }

  private apiSource() {
    return {
      nodes: (): NodeInfo[] => this.transport.nodes(),
      // A job runs on its node as the process job.ID.
      wanted: (node: string) => [
        ...(this.master.nodes[node] ?? []).map((proc) => proc.name),
        ...this.jobs.items(node).map((item) => `job.${item.job.id}`),
      ],
      desired: (node: string) => this.transport.desired(node).procs,
      jobs: this.jobs,
      transport: () => ({ encrypted: this.master.curve !== null, counters: this.transport.counters() }),
      token: this.master.api_token ?? process.env.DPD_API_TOKEN ?? null,
    };
  }

  reload(reason: string) {
    return this.followed.reload(reason);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.closed;
    this.stopping = true;
    this.log.info('master.stopping', { note: 'nodes keep running their last lists' });
    await this.followed.close();
    this.jobs.close();
    await new Promise((resolve) => (this.http ? this.http.close(resolve) : resolve(undefined)));
    this.http?.closeAllConnections();
    await this.transport.close();
    this.log.info('master.stopped', {});
    this.resolveClosed();
  }
}
