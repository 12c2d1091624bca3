// Stable codes of the errors @diprocd/jobs throws.
import { DiprocdError } from '@diprocd/procspec/runtime';

export const JOB_ERROR_CODES = {
  DPD_JOB_ID: 'A job id that is not 1 to 64 letters, digits, "_", "." or "-": refused before any path is made of it.',
} as const;

export type JobErrorCode = keyof typeof JOB_ERROR_CODES;

/** An error of @diprocd/jobs, with a stable code. */
export class JobError extends DiprocdError {
  declare readonly code: JobErrorCode;

  constructor(code: JobErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'JobError';
  }
}
