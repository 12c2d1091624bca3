// The public API of @diprocd/jobs: adding to it is a semver commitment.
export { JobError, JOB_ERROR_CODES } from './errors.js';
export {
  JOB_DOWNLOAD_MAX_BYTES,
  JOB_STATES,
  isFinalJobState,
  jobPaths,
  jobProc,
  listJobIds,
  readJobLogTail,
  readJobRecord,
  removeJobFiles,
  writeJobRecord,
  writeJobSpec,
} from './files/job-files.js';

export type { JobRecord, JobRunOptions, JobState } from './files/job-files.js';
export type { JobErrorCode } from './errors.js';
