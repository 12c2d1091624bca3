// How jobs travel with a node's desired state, and back in its reports.
// A job rides in the node's list as `{job: {id, spec}}` beside the process
// definitions, so it is never lost with a message: every snapshot carries
// it until its result is in. The node's report carries each job's record
// under `extra.jobs`, with the log's tail once a job has failed. A node
// starts a job only once the master granted its claim on it: a transport
// request `{claim: id}`, answered `{granted, reason?}`.
import type { JobSpec } from '@diprocd/procspec';
import type { JobRecord } from '@diprocd/jobs';

/** The largest job log that travels and is kept (its tail). */
export const LOG_CAP_BYTES = 256 * 1024;

export interface JobItem {
  job: { id: string; spec: JobSpec };
}

export const isJobItem = (item: unknown): item is JobItem =>
  typeof item === 'object' && item !== null && 'job' in item && typeof (item as JobItem).job?.id === 'string';

/** A node's claim on a job, as it travels in a transport request, and the master's answer. */
export interface ClaimRequest {
  claim: string;
}
export interface ClaimAnswer {
  granted: boolean;
  /** Why not, when not granted. */
  reason?: string;
}

export const isClaimRequest = (request: unknown): request is ClaimRequest =>
  typeof request === 'object' && request !== null && typeof (request as ClaimRequest).claim === 'string';

/** One job as a node reports it. */
export type JobReport = JobRecord & { log?: string };

/** The jobs in a node's report (an empty list when it has none or sends something else). */
export function reportedJobs(extra: Record<string, unknown> | undefined): JobReport[] {
  const jobs = extra?.jobs;
  return Array.isArray(jobs)
    ? jobs.filter(
        (job): job is JobReport =>
          typeof job === 'object' &&
          job !== null &&
          typeof (job as JobReport).id === 'string' &&
          typeof (job as JobReport).state === 'string',
      )
    : [];
}
