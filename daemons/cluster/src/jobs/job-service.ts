// Jobs on the master: submit (validate, place on a live node), follow what
// nodes report, cancel. It decides; the HTTP API and the transport carry.
import { redactJobSpec, redactUrls, validate, type JobSpec } from '@diprocd/procspec';
import { JOB_STATES as JOB_RUN_STATES } from '@diprocd/jobs';
import type { NodeInfo, NodeReport } from '@diprocd/transport';
import type { ClusterErrorCode } from '../errors.js';
import { JobStore, isFinal, type MasterJob, type MasterJobState } from './job-store.js';
import { reportedJobs, type ClaimAnswer, type JobItem } from './wire.js';

export type Outcome = { status: number; body: unknown };

/**
 * The users a job may name: root only when allowed, others only when listed (as written: "deploy" does not allow its
 * uid).
 */
export interface JobUsers {
  allowRoot: boolean;
  users: (string | number)[];
}

const isRoot = (user: string | number) => user === 'root' || Number(user) === 0;

/**
 * Why a job may not run as `user`, or null when it may. Deny by default: a job that names no user runs as its node's
 * job_user.
 */
export function refusedUser(user: string | number | null, rules: JobUsers): string | null {
  if (user === null) return null;
  if (isRoot(user))
    return rules.allowRoot
      ? null
      : `a job runs as root only when the master file sets jobs_allow_root; found ${JSON.stringify(user)}`;
  if (rules.users.some((allowed) => String(allowed) === String(user))) return null;
  return `expected a user the master file's job_users lists (${rules.users.length === 0 ? 'it lists none' : rules.users.map((u) => JSON.stringify(u)).join(', ')}), or no user (the node's job_user); found ${JSON.stringify(user)}`;
}

// In the order a job passes them: a report never moves a job back (a stale report replayed after a reconnect).
const JOB_STATES: readonly MasterJobState[] = ['queued', ...JOB_RUN_STATES];
const order = (state: string) => JOB_STATES.indexOf(state as MasterJobState);

export class JobService {
  /**
   * When a report last mentioned each granted job, by the master's clock (in memory: a restarted master starts every
   * clock again).
   */
  private readonly news = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly nodes: () => NodeInfo[],
    /** The jobs of `node` changed: republish its desired state. */
    private readonly changed: (node: string) => void,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
    /** Which users a job may ask for (the master file's jobs_allow_root and job_users, as they are now). */
    private readonly users: () => JobUsers,
    /** A granted job with no news this long is lost. */
    private readonly lostAfterMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the check for lost jobs (every tenth of job_lost_after, at most every 5 s). */
  start(): void {
    const started = this.now();
    for (const job of this.store.allActive()) if (job.grantedAt) this.news.set(job.id, started);
    this.timer = setInterval(() => this.findLost(), Math.min(5_000, Math.max(50, this.lostAfterMs / 10)));
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /**
   * A node's claim on a job: granted when the job is still placed on that
   * node and not ended or cancelled (again, if the node asks again: the
   * answer may have been lost). Only a granted job is started by its node,
   * so a job placed again elsewhere never runs twice.
   */
  claim(node: string, id: string): ClaimAnswer {
    const job = this.store.get(id);
    if (!job) return { granted: false, reason: `no job ${JSON.stringify(id)}` };
    if (job.node !== node) return { granted: false, reason: `job ${id} is placed on another node` };
    if (isFinal(job) || job.cancelRequested) return { granted: false, reason: `job ${id} has ended or was cancelled` };
    if (!job.grantedAt) {
      this.store.update(id, { grantedAt: this.now() });
      this.news.set(id, this.now());
      this.log('job.granted', { id, node });
    }
    return { granted: true };
  }

  /**
   * Jobs queued on a node that is down and whose claim was never granted go
   * to a live node (a pinned job waits for its node). Called when a node goes
   * down and when one comes up.
   */
  placeStranded(): void {
    const down = new Set(
      this.nodes()
        .filter((node) => node.liveness === 'down')
        .map((node) => node.name),
    );
    for (const job of this.store.allActive()) {
      if (job.grantedAt || job.spec.node !== null || !down.has(job.node)) continue;
      const placed = this.place(job.spec, job.node);
      if ('error' in placed) continue;
      this.store.update(job.id, { node: placed.node });
      this.log('job.placed-again', {
        id: job.id,
        from: job.node,
        to: placed.node,
        note: 'its node went down before its claim was granted',
      });
      this.changed(job.node);
      this.changed(placed.node);
    }
  }

  private findLost(): void {
    const now = this.now();
    for (const job of this.store.allActive()) {
      if (!job.grantedAt) continue;
      const last = this.news.get(job.id) ?? job.grantedAt;
      if (now - last < this.lostAfterMs) continue;
      const next = this.store.update(job.id, {
        state: 'lost',
        reason: `no news of it from node ${job.node} for ${Math.round((now - last) / 1000)} s after its claim was granted`,
        endedAt: now,
      });
      this.news.delete(job.id);
      this.log('job.lost', { id: job.id, node: job.node, reason: next.reason });
      this.changed(job.node);
    }
  }

  /** What `node`'s desired state carries besides its processes. */
  items(node: string): JobItem[] {
    return this.store.active(node).map((job) => ({ job: { id: job.id, spec: job.spec } }));
  }

  /** Among live nodes (but `not`): the one with the fewest unfinished jobs, then the lowest load, then by name. */
  private place(spec: JobSpec, not?: string): { node: string } | { error: string } {
    const live = this.nodes().filter((node) => node.liveness === 'alive' && node.name !== not);
    if (spec.node !== null) {
      const pinned = this.nodes().find((node) => node.name === spec.node);
      return pinned?.liveness === 'alive'
        ? { node: pinned.name }
        : {
            error: `node ${JSON.stringify(spec.node)} is not alive (${pinned ? pinned.liveness : 'never seen'}); the job was not queued`,
          };
    }
    if (live.length === 0) return { error: 'no live node to run the job: no node has sent a heartbeat recently' };
    const load = (node: NodeInfo) => node.report?.load[0] ?? Number.POSITIVE_INFINITY;
    const running = (node: NodeInfo) => this.store.active(node.name).length;
    const [best] = [...live].sort(
      (a, b) => running(a) - running(b) || load(a) - load(b) || a.name.localeCompare(b.name),
    );
    return { node: best!.name };
  }

  submit(input: unknown): Outcome {
    const checked = validate('job', input);
    if (!checked.valid)
      return {
        status: 400,
        body: { error: 'invalid job spec', issues: checked.issues.filter((issue) => issue.severity === 'error') },
      };
    const spec = checked.value!;
    const refused = refusedUser(spec.user, this.users());
    if (refused !== null)
      return {
        status: 403,
        body: {
          error: 'job refused',
          issues: [
            { code: 'DPD_JOB_USER' satisfies ClusterErrorCode, path: 'user', message: refused, severity: 'error' },
          ],
        },
      };
    const placed = this.place(spec);
    if ('error' in placed) return { status: 503, body: { error: placed.error } };
    const job = this.store.add(spec, placed.node);
    this.log('job.submit', { id: job.id, node: job.node, name: spec.name });
    this.changed(job.node);
    return { status: 201, body: { process: `/api/procs/${job.id}/`, id: job.id, node: job.node } };
  }

  cancel(id: string): Outcome {
    const job = this.store.get(id);
    if (!job) return notFound(id);
    if (isFinal(job)) return alreadyEnded(job);
    // Not claimed yet: it ends here. Claimed: its node stops it and reports how it ended.
    const next =
      job.state === 'queued'
        ? this.store.update(id, {
            cancelRequested: true,
            state: 'failed',
            reason: 'cancelled before it started',
            endedAt: Date.now(),
          })
        : this.store.update(id, { cancelRequested: true });
    this.log('job.cancel', { id, node: job.node, state: next.state });
    this.changed(job.node);
    return { status: 202, body: view(next) };
  }

  /** A node's report: the jobs it runs or ran. */
  report(node: string, report: NodeReport): void {
    for (const seen of reportedJobs(report.extra)) {
      const job = this.store.get(seen.id);
      // Only a job granted to this node can have run there.
      if (!job || job.node !== node || !job.grantedAt || isFinal(job) || !JOB_STATES.includes(seen.state)) continue;
      this.news.set(job.id, this.now());
      // The node's own clock orders its records; the master's is never compared with it.
      if (
        order(seen.state) < order(job.state) ||
        (seen.state === job.state && seen.updatedAt <= (job.nodeUpdatedAt ?? 0))
      )
        continue;
      const next = this.store.update(job.id, {
        state: seen.state,
        code: seen.code,
        signal: seen.signal,
        reason: seen.reason,
        workdir: seen.workdir,
        startedAt: seen.startedAt,
        endedAt: seen.endedAt,
        nodeUpdatedAt: seen.updatedAt,
      });
      if (seen.log !== undefined) this.store.saveLog(job.id, seen.log);
      this.log(isFinal(next) ? 'job.end' : 'job.state', {
        id: job.id,
        node,
        state: next.state,
        code: next.code,
        signal: next.signal,
        reason: next.reason,
      });
      // A final state is acknowledged by leaving the job out of the node's next list.
      if (isFinal(next)) this.changed(node);
    }
  }

  list(page: number, perPage: number): Outcome {
    const all = this.store.list();
    return {
      status: 200,
      body: {
        total: all.length,
        page,
        per_page: perPage,
        procs: all.slice((page - 1) * perPage, page * perPage).map(view),
      },
    };
  }

  show(id: string): Outcome {
    const job = this.store.get(id);
    return job ? { status: 200, body: view(job) } : notFound(id);
  }

  logfile(id: string): Outcome {
    const job = this.store.get(id);
    if (!job) return notFound(id);
    const text = this.store.readLog(id);
    return text === null
      ? {
          status: 404,
          body: { error: `job ${id} has no log${isFinal(job) ? '' : ' yet'} (a node uploads it when a job fails)` },
        }
      : { status: 200, body: text };
  }

  /** The original's POST /api/procs/ID/STATE/: an external runner sets the state. */
  setState(id: string, state: string): Outcome {
    const job = this.store.get(id);
    if (!job) return notFound(id);
    if (!JOB_STATES.includes(state as MasterJobState))
      return {
        status: 400,
        body: { error: `unknown state ${JSON.stringify(state)}; expected one of ${JOB_STATES.join(', ')}` },
      };
    // An ended job stays ended: moving it back would send it to its node again.
    if (isFinal(job)) return alreadyEnded(job);
    const next = this.store.update(id, {
      state: state as MasterJobState,
      ...(isFinal({ state }) ? { endedAt: Date.now() } : {}),
    });
    if (isFinal(next)) this.changed(job.node);
    return { status: 200, body: view(next) };
  }

  /** The original's POST /api/procs/ID/logfile/. */
  uploadLog(id: string, text: string): Outcome {
    if (!this.store.get(id)) return notFound(id);
    this.store.saveLog(id, text);
    return { status: 201, body: { logfile: `/api/procs/${id}/logfile/` } };
  }
}

const alreadyEnded = (job: MasterJob): Outcome => ({
  status: 409,
  body: { error: `job ${job.id} has already ended (${job.state})`, job: view(job) },
});
const notFound = (id: string): Outcome => ({ status: 404, body: { error: `no job ${JSON.stringify(id)}` } });

/**
 * A job as the API shows it (reads need no token): its spec's secrets hidden (env and config values, URL credentials),
 * and its reason's.
 */
const view = (job: MasterJob) => ({
  ...job,
  spec: redactJobSpec(job.spec),
  reason: job.reason === null ? null : redactUrls(job.reason),
  url: `/api/procs/${job.id}/`,
  logfile: `/api/procs/${job.id}/logfile/`,
});
