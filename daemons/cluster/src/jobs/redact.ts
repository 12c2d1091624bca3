// Environment values can be secrets (tokens, passwords); the API's reads
// need no token, so they show which variables are set, not their values.
const HIDDEN = '(hidden)';

export const redactEnv = (env: Record<string, string> | undefined): Record<string, string> | undefined =>
  env === undefined ? undefined : Object.fromEntries(Object.keys(env).map((name) => [name, HIDDEN]));

/** A process definition (or anything with an env) with its env values hidden. */
export function redactProc(proc: unknown): unknown {
  if (typeof proc !== 'object' || proc === null) return proc;
  const withEnv = proc as { env?: Record<string, string>; job?: { id: string; spec: { env?: Record<string, string> } } };
  if (withEnv.job) return { job: { ...withEnv.job, spec: { ...withEnv.job.spec, env: redactEnv(withEnv.job.spec.env) } } };
  return withEnv.env === undefined ? proc : { ...withEnv, env: redactEnv(withEnv.env) };
}
