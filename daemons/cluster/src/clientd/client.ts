// dpd-clientd's body: receive this node's list from the master, write it
// into the worker file (only when it changed), have the worker re-read it,
// and report the worker's status back. When the master is gone the worker
// file stays as it is, so the node keeps running its last list.
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { FollowedFile, controlRequest, fileBase, type DaemonBody, type Logger } from '@diprocd/daemonkit';
import { checkText, type ClientFile } from '@diprocd/procspec';
import {
  isFinalJobState,
  jobPaths,
  jobProc,
  listJobIds,
  readJobLogTail,
  readJobRecord,
  removeJobFiles,
  writeJobRecord,
  writeJobSpec,
} from '@diprocd/jobs';
import { TransportClient, type NodeReport } from '@diprocd/transport';
import { ClusterError, osReason } from '../errors.js';
import { LOG_CAP_BYTES, isJobItem, type ClaimAnswer, type JobReport } from '../jobs/wire.js';
import { resolveKey } from '../keys.js';
import { workerSocket, writeProcs } from './worker-file.js';

/** A client file checked by procspec (with %H expanded). */
export const loadClientFile = (file: string, text: string) => checkText('client', file, text);

// How long a status request to the worker may take before the report goes without it: at least this,
// and up to a heartbeat period (a report is never sent twice at once), so a busy worker still gets its say.
const WORKER_TIMEOUT_MS = 500;
// How long the files of a job the master no longer sends are kept (and its end reported) after it ended.
const JOB_LINGER_MS = 60_000;
const CANCELLED_LOG_MS = 5_000;
const RETRY_MS = 1_000;
// Job logs in one report, at most: well below what the master takes in one message (MAX_NODE_MESSAGE_BYTES).
const REPORT_LOG_BUDGET_BYTES = 8 * 1024 * 1024;
// Worker states in which a job's runner is no longer running.
const RUNNER_GONE = new Set(['exited', 'failed', 'gave-up', 'spawn-failed', 'stopped']);

export class Client implements DaemonBody {
  private readonly followed: FollowedFile<ClientFile>;
  private readonly transport: TransportClient;
  private applied: number | null = null;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private stopping = false;
  private workerUp: boolean | null = null;
  /** The jobs in the last list received; null until one came (until then no job's files are removed). */
  private jobIds: Set<string> | null = null;
  /** A write of the worker file that failed is tried again (the transport already counts its revision as received). */
  private retry: NodeJS.Timeout | undefined;
  /** The last list received, which a granted claim writes again. */
  private latest: { revision: number; items: unknown[] } | null = null;
  /** Claims sent and not answered yet, and jobs the master refused to this node (never started here). */
  private readonly claiming = new Set<string>();
  private readonly refused = new Set<string>();
  readonly readyFields: Record<string, unknown>;

  private constructor(
    file: string,
    private readonly client: ClientFile,
    text: string,
    private readonly log: Logger,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const curve = client.curve && {
      secretKey: resolveKey(client.curve.secret_key),
      publicKey: resolveKey(client.curve.public_key),
      serverKey: resolveKey(client.curve.master_key),
    };
    this.transport = new TransportClient({
      node: client.node_name,
      updates: client.master_updates,
      stats: client.master_stats,
      ...(curve ? { curve } : {}),
      plaintextRemote: client.plaintext_remote,
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
      const changed = (Object.keys(next) as (keyof ClientFile)[]).filter(
        (key) => JSON.stringify(next[key]) !== JSON.stringify(this.client[key]),
      );
      if (changed.length > 0)
        log.warn('file.needs-restart', { changed, note: 'the client file takes effect when dpd-clientd restarts' });
      return { changed };
    });
    this.readyFields = {
      node: client.node_name,
      confFile: client.conf_file,
      updates: client.master_updates,
      encrypted: curve !== null,
    };
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

  /** Where this node's jobs keep their spec, state record and log: beside the worker file. */
  private get jobsDir(): string {
    return `${fileBase(this.client.conf_file)}.jobs`;
  }

  /**
   * A job in the list is started here only once the master has granted this
   * node's claim on it; its spec file, written on the grant, is the record
   * that it was granted (so a restarted client does not ask again).
   */
  private claim(revision: number, id: string, spec: unknown): void {
    if (this.claiming.has(id) || this.refused.has(id)) return;
    this.claiming.add(id);
    this.transport.request({ claim: id }).then(
      (answer) => {
        this.claiming.delete(id);
        const { granted, reason } = (answer ?? {}) as ClaimAnswer;
        if (granted !== true) {
          this.refused.add(id);
          this.log.warn('job.refused', {
            id,
            reason: reason ?? null,
            note: 'the master did not grant this node the job; it is not started here',
          });
          return;
        }
        // The node's part: who a job that names no user runs as, where file:// may read, how much it may download.
        const options = {
          user: this.client.job_user,
          fileDirs: this.client.job_file_dirs,
          downloadMaxBytes: this.client.job_download_max_size,
        };
        try {
          mkdirSync(this.jobsDir, { recursive: true, mode: 0o700 });
          if (!existsSync(jobPaths(this.jobsDir, id).spec)) writeJobSpec(this.jobsDir, id, spec as never, options);
        } catch (cause) {
          // Not started without its spec; the claim is made again (a granted job is granted again) after a pause.
          const error = new ClusterError(
            'DPD_JOB_FILES',
            `job ${id}: cannot write its spec in ${this.jobsDir}: ${osReason(cause)}`,
            { cause },
          );
          this.log.error('job.unwritable', {
            id,
            code: error.code,
            message: error.message,
            note: `tried again in ${RETRY_MS} ms`,
          });
          this.scheduleRetry(revision);
          return;
        }
        this.log.info('job.granted', { id });
        if (this.latest && !this.stopping) void this.receive(this.latest.revision, this.latest.items);
      },
      (error: Error & { code?: string }) => {
        this.claiming.delete(id);
        // No answer (the master is away): asked again with the next list, or after a pause.
        this.log.warn('job.claim-unanswered', { id, code: error.code ?? null, message: error.message });
        this.scheduleRetry(revision);
      },
    );
  }

  /** Receives the last list again after a pause, unless a newer one came meanwhile. */
  private scheduleRetry(revision: number): void {
    if (!this.stopping && this.latest?.revision === revision)
      this.retry = setTimeout(
        () => this.latest && void this.receive(this.latest.revision, this.latest.items),
        RETRY_MS,
      );
  }

  private async receive(revision: number, items: unknown[]): Promise<void> {
    clearTimeout(this.retry);
    this.latest = { revision, items };
    let outcome;
    try {
      // Jobs become one-shot processes of the worker once granted, their specs written first.
      const jobs = items.filter(isJobItem);
      const granted = jobs.filter(({ job }) => existsSync(jobPaths(this.jobsDir, job.id).spec));
      for (const { job } of jobs)
        if (!granted.some((item) => item.job.id === job.id)) this.claim(revision, job.id, job.spec);
      this.jobIds = new Set(jobs.map(({ job }) => job.id));
      for (const id of this.refused) if (!this.jobIds.has(id)) this.refused.delete(id);
      const procs = [
        ...items.filter((item) => !isJobItem(item)),
        ...granted.map(({ job }) => jobProc(this.jobsDir, job.id)),
      ];
      outcome = writeProcs(this.client.conf_file, procs);
    } catch (error) {
      this.log.error('worker-file.unwritable', {
        file: this.client.conf_file,
        code: (error as NodeJS.ErrnoException).code,
        message: (error as Error).message,
        note: `tried again in ${RETRY_MS} ms`,
      });
      if (!this.stopping) this.retry = setTimeout(() => void this.receive(revision, items), RETRY_MS);
      return;
    }
    this.applied = revision;
    this.transport.setApplied(revision);
    if (!outcome.written) {
      this.log.debug('worker-file.unchanged', { file: this.client.conf_file, revision });
      return;
    }
    this.log.info('worker-file.write', {
      file: this.client.conf_file,
      revision,
      added: outcome.added,
      removed: outcome.removed,
      changed: outcome.changed,
    });
    // The worker watches its file too; asking it to re-read now saves the wait.
    await controlRequest(this.socket, { cmd: 'reload' }, WORKER_TIMEOUT_MS).catch(() => undefined);
  }

  private async report(): Promise<NodeReport> {
    // Found once a report: finding it may read the worker file.
    const socket = this.socket;
    const status = await controlRequest(
      socket,
      { cmd: 'status' },
      Math.max(WORKER_TIMEOUT_MS, this.client.heartbeat),
    ).catch(() => null);
    if ((status !== null) !== this.workerUp) {
      this.workerUp = status !== null;
      if (this.workerUp) this.log.info('worker.reachable', { socket });
      else
        this.log.warn('worker.unreachable', {
          socket,
          note: 'reports go without process status until dpd-workerd answers',
        });
    }
    return {
      revision: this.applied ?? 0,
      load: loadavg() as [number, number, number],
      procs: (status?.procs ?? []).map((proc) => ({
        name: proc.name,
        state: proc.state,
        pid: proc.pid,
        restarts: proc.restarts,
        lastExit: proc.lastExit && { code: proc.lastExit.code, signal: proc.lastExit.signal },
      })),
      extra: {
        worker: status === null ? 'unreachable' : 'up',
        fileIssues: status?.worker.fileIssues ?? null,
        jobs: this.jobReports(new Map(status?.procs.map((proc) => [proc.name, proc.state]))),
      },
    };
  }

  /**
   * Every job with files here, as its runner recorded it; a failed one with
   * its log's tail. A job the master no longer sends has been acknowledged
   * (or cancelled): its files go once it has been over for a while.
   */
  private jobReports(workerStates: Map<string, string>): JobReport[] {
    const reports: JobReport[] = [];
    let logBudget = REPORT_LOG_BUDGET_BYTES;
    for (const id of listJobIds(this.jobsDir)) {
      let record = readJobRecord(this.jobsDir, id);
      const sent = this.jobIds?.has(id) ?? true;
      if (
        !sent &&
        (record === null || (isFinalJobState(record.state) && Date.now() - (record.endedAt ?? 0) > JOB_LINGER_MS))
      ) {
        removeJobFiles(this.jobsDir, id);
        continue;
      }
      if (record === null) continue;
      // A runner killed before it could record an end (SIGKILL, a crash): the job ends here, as failed.
      if (!isFinalJobState(record.state) && RUNNER_GONE.has(workerStates.get(`job.${id}`) ?? '')) {
        record = {
          ...record,
          state: 'failed',
          pid: null,
          reason: 'the job runner ended without recording a result (killed?)',
          endedAt: Date.now(),
          updatedAt: Date.now(),
        };
        writeJobRecord(this.jobsDir, record);
        this.log.warn('job.runner-gone', { id });
      }
      // The log travels until the master has it (it then stops sending the job), or briefly after a cancel.
      const upload = record.state === 'failed' && (sent || Date.now() - (record.endedAt ?? 0) < CANCELLED_LOG_MS);
      const tail = upload ? readJobLogTail(this.jobsDir, id, LOG_CAP_BYTES) : undefined;
      // A log beyond the budget travels whole with a later report (the node sends it until the master has it).
      const log = tail !== undefined && Buffer.byteLength(tail) <= logBudget ? tail : undefined;
      if (log !== undefined) logBudget -= Buffer.byteLength(log);
      reports.push(log !== undefined ? { ...record, log } : record);
    }
    return reports;
  }

  reload(reason: string) {
    return this.followed.reload(reason);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return this.closed;
    this.stopping = true;
    this.log.info('client.stopping', { note: 'the worker keeps running the last list' });
    clearTimeout(this.retry);
    await this.followed.close();
    await this.transport.close();
    this.log.info('client.stopped', {});
    this.resolveClosed();
  }
}
