// Stable codes of the errors dpd-run gives before its command runs
// (documented in the README's "Error codes" table and held to it by
// test/errors.test.ts). Bad usage is procspec's DPD_USAGE (exit 2).
import { DiprocdError } from '@diprocd/procspec/runtime';

export const RUN_ERROR_CODES = {
  DPD_RUN_WORK_DIR: 'The -W directory cannot be made the work directory (missing, not a directory, no permission).',
  DPD_RUN_OPTIONS:
    'The options describe a process spec procspec refuses (each issue is named with the option that set it).',
  DPD_RUN_STATUS_FILE: 'The -I status file cannot be opened for appending.',
  DPD_RUN_PID_FILE: 'The -p pid file cannot be written.',
} as const;

export type RunErrorCode = keyof typeof RUN_ERROR_CODES;

/** A problem found before the command ran: dpd-run prints `dpd-run: MESSAGE` and exits 1. */
export class RunError extends DiprocdError<RunErrorCode> {
  override name = 'RunError';
}
