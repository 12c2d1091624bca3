// Stable codes of the errors dpd-masterd and dpd-clientd raise or report
// (those of the libraries they use are the libraries'). Adding a code is
// fine; renaming or reusing one breaks the programs that match on it.
import { DiprocdError } from '@diprocd/procspec/runtime';

export const CLUSTER_ERROR_CODES = {
  DPD_HTTP_LISTEN: "The API's `http` address cannot be listened on (in use, not this host's).",
  DPD_HTTP_TLS: "`http_tls`'s cert or key cannot be read, or they do not fit.",
  DPD_JOB_USER: 'A job asks for root without `jobs_allow_root`, or for a user `job_users` does not list.',
  DPD_JOB_STORE: "The master's job records (`jobs` in its state directory) cannot be created or written.",
  DPD_JOB_FILES: "A node cannot write a granted job's spec into its jobs directory.",
  DPD_WORKER_FILE:
    'The worker file dpd-clientd writes into cannot be read or written (no permission, not a directory on its path, disk full).',
  DPD_WORKER_FILE_INVALID: 'The worker file dpd-clientd must write into is not a JSON object.',
} as const;

export type ClusterErrorCode = keyof typeof CLUSTER_ERROR_CODES;

/** An error of dpd-masterd or dpd-clientd, with a stable code and, where one exists, the OS error as `cause`. */
export class ClusterError extends DiprocdError<ClusterErrorCode> {
  override name = 'ClusterError';
}

/** What the OS said: its code (EACCES) when it gave one. */
export const osReason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;
