// Stable codes of the errors dpd-workerd and dpd-ctl give (documented in the
// README's "Error codes" table and held to it by test/errors.test.ts).
// Codes of the libraries they pass on (the supervisor's DPD_UNKNOWN_PROCESS,
// daemonkit's DPD_CONTROL_UNREACHABLE, procspec's DPD_USAGE, the transport's
// key errors) are those packages' own.
import { DiprocdError } from '@diprocd/procspec/runtime';
import type { ErrorCode as ProcspecErrorCode } from '@diprocd/procspec';
import type { TransportErrorCode } from '@diprocd/transport';

export const WORKER_ERROR_CODES = {
  DPD_CONTROL_FAILED: 'dpd-workerd could not carry out a control request, for a reason that has no code of its own.',
  DPD_CONTROL_TOO_LONG:
    'A control request line is over 1 MiB; dpd-workerd answers once (id -1) and closes the connection.',
  DPD_NO_LOG: 'dpd-ctl logs: the process has no "logs" file, or the file does not exist yet.',
  DPD_KEY_EXISTS: 'dpd-ctl keygen: NAME.key or NAME.pub is already there; nothing was written.',
  DPD_MASTER_URL: 'dpd-ctl: --master (or DPD_MASTER) is not an http or https URL.',
  DPD_MASTER_UNREACHABLE: 'dpd-ctl: the master cannot be reached (connection refused, no answer within 5 s).',
  DPD_MASTER_HTTP:
    "dpd-ctl: the master answered with an error (its reason is given), or with something that is not its API's JSON.",
  DPD_TOKEN_FILE: 'dpd-ctl: --token-file cannot be read, or does not hold the token on one line.',
  DPD_JOB_SPEC:
    'dpd-ctl job submit: the spec file cannot be read as JSON, or is not a JSON object when --node pins it.',
} as const;

export type WorkerErrorCode = keyof typeof WORKER_ERROR_CODES;

/**
 * A refusal dpd-ctl reports as `dpd-ctl: MESSAGE [CODE]` and exits with
 * `exitCode` (1 unless said). Its code is one of ours, or a library's it passes on.
 */
export class CtlError extends DiprocdError<WorkerErrorCode | ProcspecErrorCode | TransportErrorCode> {
  override name = 'CtlError';
  readonly exitCode: number;

  constructor(code: CtlError['code'], message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}
