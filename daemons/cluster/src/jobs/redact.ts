// Environment values can be secrets (tokens, passwords); the API's reads
// need no token, so they show which variables are set, not their values.
// A job's spec is shown as procspec's redactJobSpec leaves it.
import { redactJobSpec, redactValues, type JobSpec } from '@diprocd/procspec';

/** A process definition, or a job item of a node's list, with its secrets hidden. */
export function redactProc(proc: unknown): unknown {
  if (typeof proc !== 'object' || proc === null) return proc;
  const item = proc as { env?: Record<string, string>; job?: { id: string; spec: JobSpec } };
  if (item.job) return { job: { ...item.job, spec: redactJobSpec(item.job.spec) } };
  return item.env === undefined ? proc : { ...item, env: redactValues(item.env) };
}
