// Stable codes of the errors the supervisor raises or reports.
import { DiprocdError } from '@diprocd/procspec/runtime';

export const SUPERVISOR_ERROR_CODES = {
  DPD_SPAWN_FAILED:
    'A process could not be started: missing or non-executable program, bad cwd, unknown user, or the OS refused.',
  DPD_SIGNAL_FAILED: 'A signal could not be sent (the OS refused it).',
  DPD_LISTENER_FAILED: 'An event listener threw; the supervisor carried on.',
  DPD_IDENTITY: 'A process asks for another user, group or chroot and the supervisor is not root.',
  DPD_ILLEGAL_TRANSITION:
    'A command or event does not apply to the state the process is in (e.g. pausing a stopped process).',
  DPD_UNKNOWN_PROCESS: 'No process of that name is supervised.',
  DPD_STATE_DIR: 'The state directory cannot be created, read or written.',
  DPD_CLOSED: 'The supervisor was closed.',
  DPD_UNSAFE_PATH:
    "A log or pid file path passes through a symlink, or a directory (or file) that someone other than root and the program's user could change; nothing was written there.",
  DPD_INVALID_SPEC:
    'apply() was given a list with a spec that does not validate (the message names the process, the field and why) or a name twice; nothing moved.',
} as const;

export type SupervisorErrorCode = keyof typeof SUPERVISOR_ERROR_CODES;

/** An error of the supervisor, with a stable code and, where one exists, the OS error as `cause`. */
export class SupervisorError extends DiprocdError {
  declare readonly code: SupervisorErrorCode;

  constructor(code: SupervisorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SupervisorError';
  }
}
