// The master's jobs: every job submitted, where it was placed, what its
// node reported, and its log when it failed. Each job is one JSON file in
// the state dir, replaced atomically on every change, so jobs and their
// results survive a restart of the master.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpec } from '@diprocd/procspec';
import { isFinalJobState, type JobRecord } from '@diprocd/jobs';
import { writeFileAtomic } from '@diprocd/supervisor/host';
import { ClusterError, osReason } from '../errors.js';
import { LOG_CAP_BYTES } from './wire.js';

/**
 * The states the API shows: the node's, plus "queued" before the node has
 * reported it (granted or not), and "lost" for a granted job nothing was
 * heard of for `job_lost_after`.
 */
export type MasterJobState = 'queued' | JobRecord['state'] | 'lost';

export interface MasterJob {
  id: string;
  spec: JobSpec;
  node: string;
  state: MasterJobState;
  code: number | null;
  signal: string | null;
  reason: string | null;
  workdir: string | null;
  /** An operator asked to cancel it; it is no longer sent to its node. */
  cancelRequested: boolean;
  /** When the master granted its node's claim on it (the node starts it only then); null until then. */
  grantedAt?: number | null;
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
  /** The `updatedAt` of the node's last record of it (the node's clock). */
  nodeUpdatedAt?: number;
}

export const isFinal = (job: { state: string }) => isFinalJobState(job.state) || job.state === 'lost';

/** Replaces a record or log file whole, durably, readable by the master's user only. */
function write(path: string, text: string): void {
  try {
    writeFileAtomic(path, text, { mode: 0o600, durable: true });
  } catch (error) {
    throw new ClusterError('DPD_JOB_STORE', `cannot write ${path}: ${osReason(error)}`, { cause: error });
  }
}

export class JobStore {
  private readonly jobs = new Map<string, MasterJob>();
  // Placement and every publish ask for a node's unfinished jobs: kept at hand rather than found among all jobs ever.
  private readonly activeByNode = new Map<string, Set<string>>();
  private next = 1;

  constructor(private readonly dir: string) {
    let names: string[];
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      names = readdirSync(dir);
    } catch (error) {
      throw new ClusterError('DPD_JOB_STORE', `cannot open the job records in ${dir}: ${osReason(error)}`, {
        cause: error,
      });
    }
    for (const name of names) {
      if (!/^\d+\.json$/.test(name)) continue;
      try {
        const job = JSON.parse(readFileSync(join(dir, name), 'utf8')) as MasterJob;
        this.remember(job);
        this.next = Math.max(this.next, Number(job.id) + 1);
      } catch {
        // A file that is not a job record is left alone.
      }
    }
  }

  /** Newest first. */
  list(): MasterJob[] {
    return [...this.jobs.values()].sort((a, b) => Number(b.id) - Number(a.id));
  }

  get(id: string): MasterJob | undefined {
    return this.jobs.get(id);
  }

  /** Every job still to be run or running, on any node. */
  allActive(): MasterJob[] {
    return [...this.activeByNode.values()].flatMap((ids) => [...ids].map((id) => this.jobs.get(id)!));
  }

  /** Jobs still to be run or running on `node` (what its desired state carries). */
  active(node: string): MasterJob[] {
    return [...(this.activeByNode.get(node) ?? [])].map((id) => this.jobs.get(id)!);
  }

  add(spec: JobSpec, node: string, now = Date.now()): MasterJob {
    const job: MasterJob = {
      id: String(this.next++),
      spec,
      node,
      state: 'queued',
      code: null,
      signal: null,
      reason: null,
      workdir: null,
      cancelRequested: false,
      grantedAt: null,
      submittedAt: now,
      startedAt: null,
      endedAt: null,
      updatedAt: now,
    };
    this.save(job);
    return job;
  }

  /** Applies changes and writes the record; returns the job as it is now. */
  update(id: string, changes: Partial<MasterJob>): MasterJob {
    const job = { ...this.jobs.get(id)!, ...changes, updatedAt: Date.now() };
    this.save(job);
    return job;
  }

  private save(job: MasterJob): void {
    write(join(this.dir, `${job.id}.json`), `${JSON.stringify(job)}\n`);
    this.remember(job);
  }

  private remember(job: MasterJob): void {
    // A job placed again leaves its old node's set.
    const before = this.jobs.get(job.id);
    if (before && before.node !== job.node) this.activeByNode.get(before.node)?.delete(job.id);
    this.jobs.set(job.id, job);
    const ids = this.activeByNode.get(job.node) ?? new Set<string>();
    if (!isFinal(job) && !job.cancelRequested) ids.add(job.id);
    else ids.delete(job.id);
    this.activeByNode.set(job.node, ids);
  }

  logPath(id: string): string {
    return join(this.dir, `${id}.log`);
  }

  /** Keeps the log's last LOG_CAP_BYTES. */
  saveLog(id: string, text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    write(this.logPath(id), bytes.subarray(Math.max(0, bytes.length - LOG_CAP_BYTES)).toString('utf8'));
  }

  readLog(id: string): string | null {
    try {
      return readFileSync(this.logPath(id), 'utf8');
    } catch {
      return null;
    }
  }
}
