// dpd-clientd's body: receive this node's list from the master, write it
// into the worker file (only when it changed), have the worker re-read it,
// and report the worker's status back. When the master is gone the worker
// file stays as it is, so the node keeps running its last list.
import { loadavg } from 'node:os';
import { FollowedFile, controlRequest, type DaemonBody, type Loaded, type Logger } from '@diprocd/daemonkit';
import { formatIssue, validateText, type ClientFile } from '@diprocd/procspec';
import { TransportClient, type NodeReport } from '@diprocd/transport';
import { resolveKey } from '../keys.js';
import { workerSocket, writeProcs } from './worker-file.js';

/** A client file checked by procspec (with %H expanded). */
export function loadClientFile(file: string, text: string): Loaded<ClientFile> {
  const report = validateText(file, text, { kind: 'client' });
  const lines = report.issues.map((issue) => formatIssue(issue, file));
  return report.valid ? { ok: true, value: report.value!, warnings: lines } : { ok: false, issues: lines };
}

// How long a status request to the worker may take before the report goes without it.
const WORKER_TIMEOUT_MS = 500;

export class Client implements DaemonBody {
  private readonly followed: FollowedFile<ClientFile>;
  private readonly transport: TransportClient;
  private applied: number | null = null;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private stopping = false;
  private workerUp: boolean | null = null;
  readonly readyFields: Record<string, unknown>;

  private constructor(
    file: string,
    private readonly client: ClientFile,
    text: string,
    private readonly log: Logger,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const curve = client.curve && { secretKey: resolveKey(client.curve.secret_key), publicKey: resolveKey(client.curve.public_key), serverKey: resolveKey(client.curve.master_key) };
    this.transport = new TransportClient({
      node: client.node_name,
      updates: client.master_updates,
      stats: client.master_stats,
      ...(curve ? { curve } : {}),
      heartbeatMs: client.heartbeat,
      report: () => this.report(),
    });
    this.transport
      .on('state', ({ revision, procs }) => void this.receive(revision, procs))
      .on('connected', () => log.info('master.connected', { updates: client.master_updates }))
      .on('disconnected', () => log.warn('master.disconnected', { note: 'the node keeps running its last list' }))
      .on('error', ({ error }) => log.error('transport.error', { code: error.code, message: error.message }));
    // The client file's keys take effect at the next start; a reload only says so.
    this.followed = new FollowedFile(file, text, loadClientFile, log, async (next) => {
      const changed = (Object.keys(next) as (keyof ClientFile)[]).filter((key) => JSON.stringify(next[key]) !== JSON.stringify(this.client[key]));
      if (changed.length > 0) log.warn('file.needs-restart', { changed, note: 'the client file takes effect when dpd-clientd restarts' });
      return { changed };
    });
    this.readyFields = { node: client.node_name, confFile: client.conf_file, updates: client.master_updates, encrypted: curve !== null };
  }

  static async start(file: string, client: ClientFile, text: string, log: Logger): Promise<Client> {
    const self = new Client(file, client, text, log);
    await self.transport.start();
    self.followed.start();
    return self;
  }

  private get socket(): string {
    return workerSocket(this.client.conf_file, this.client.control_socket);
  }

  private async receive(revision: number, procs: unknown[]): Promise<void> {
    let outcome;
    try {
      outcome = writeProcs(this.client.conf_file, procs);
    } catch (error) {
      this.log.error('worker-file.unwritable', { file: this.client.conf_file, code: (error as NodeJS.ErrnoException).code, message: (error as Error).message, note: 'the next state or snapshot tries again' });
      return;
    }
    this.applied = revision;
    this.transport.setApplied(revision);
    if (!outcome.written) {
      this.log.debug('worker-file.unchanged', { file: this.client.conf_file, revision });
      return;
    }
    this.log.info('worker-file.write', { file: this.client.conf_file, revision, added: outcome.added, removed: outcome.removed, changed: outcome.changed });
    // The worker watches its file too; asking it to re-read now saves the wait.
    await controlRequest(this.socket, { cmd: 'reload' }, WORKER_TIMEOUT_MS).catch(() => undefined);
  }

  private async report(): Promise<NodeReport> {
    const status = await controlRequest(this.socket, { cmd: 'status' }, WORKER_TIMEOUT_MS).catch(() => null);
    if ((status !== null) !== this.workerUp) {
      this.workerUp = status !== null;
      if (this.workerUp) this.log.info('worker.reachable', { socket: this.socket });
      else this.log.warn('worker.unreachable', { socket: this.socket, note: 'reports go without process status until dpd-workerd answers' });
    }
    return {
      revision: this.applied ?? 0,
      load: loadavg() as [number, number, number],
      procs: (status?.procs ?? []).map((proc) => ({ name: proc.name, state: proc.state, pid: proc.pid, restarts: proc.restarts, lastExit: proc.lastExit && { code: proc.lastExit.code, signal: proc.lastExit.signal } })),
      extra: { worker: status === null ? 'unreachable' : 'up', fileIssues: status?.worker.fileIssues ?? null },
    };
  }

  reload(reason: string) {
    return this.followed.reload(reason);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.closed;
    this.stopping = true;
    this.log.info('client.stopping', { note: 'the worker keeps running the last list' });
    await this.followed.close();
    await this.transport.close();
    this.log.info('client.stopped', {});
    this.resolveClosed();
  }
}
