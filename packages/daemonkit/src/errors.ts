// Stable codes of the errors daemonkit raises. Adding a code is fine;
// renaming or reusing one breaks the programs that match on it.
import { DiprocdError } from '@diprocd/procspec/runtime';

export const DAEMONKIT_ERROR_CODES = {
  DPD_CONTROL_UNREACHABLE: 'No worker listens on the control socket (no such file, connection refused).',
  DPD_CONTROL_DENIED: 'The control socket (mode 0600), or a directory on its path, does not let this user in.',
  DPD_CONTROL_TIMEOUT: 'The worker did not answer within the deadline.',
  DPD_CONTROL_CLOSED: 'The worker closed the connection without answering (it exited?).',
  DPD_CONTROL_PROTOCOL: 'The answer is not one JSON line, is over 64 MiB, or refuses without a code of its own.',
  DPD_PID_FILE: 'The pid file cannot be taken: its directory cannot be made or written, or it kept being replaced.',
  DPD_LOG_FILE: 'The log file a daemon is started with cannot be created or opened.',
} as const;

export type DaemonkitErrorCode = keyof typeof DAEMONKIT_ERROR_CODES;

/** An error of daemonkit, with a stable code and, where one exists, the OS error as `cause`. */
export class DaemonkitError extends DiprocdError<DaemonkitErrorCode> {
  override name = 'DaemonkitError';
}

/**
 * A control request that failed. Its code is one of daemonkit's when the
 * request failed on the way, or the code the worker refused with (its own,
 * or the supervisor's such as DPD_UNKNOWN_PROCESS), passed on as it came.
 */
export class ControlError extends DiprocdError {
  override name = 'ControlError';

  /**
   * A constructor call with a code not in {@link DAEMONKIT_ERROR_CODES} does not compile unless `answered` says the
   * worker gave it.
   */
  constructor(code: DaemonkitErrorCode, message: string, options?: { cause?: unknown });
  constructor(code: string, message: string, options: { cause?: unknown; answered: true });
  constructor(code: string, message: string, options?: { cause?: unknown; answered?: true }) {
    super(code, message, options);
  }
}
