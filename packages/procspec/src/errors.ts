// Stable codes for everything procspec reports. Adding a code is fine;
// renaming or reusing one breaks the programs that match on it.

/** Codes of validation issues, with what each means (documented in the README). */
export const ISSUE_CODES = {
  DPD_SPEC_UNREADABLE: 'The file cannot be read (missing, a directory, no permission).',
  DPD_SPEC_JSON: 'The file is not valid JSON (or is empty or half-written).',
  DPD_SPEC_KIND: 'The kind of file cannot be told from its keys; pass --kind.',
  DPD_SPEC_TYPE: 'A value has the wrong JSON type.',
  DPD_SPEC_REQUIRED: 'A required key is missing.',
  DPD_SPEC_VALUE:
    'A value is of the right type but not allowed (empty, out of range, not one of the choices, a NUL in a string, nested too deep).',
  DPD_SPEC_UNKNOWN_KEY: 'A key diprocd does not know; a warning, with the nearest known key.',
  DPD_SPEC_NAME:
    'A process or node name (or a client node_name) is empty, too long or has characters a name cannot have.',
  DPD_SPEC_DUPLICATE_NAME:
    'Two processes in one list have the same name, or two listed download URLs give one file name.',
  DPD_SPEC_DURATION: 'A duration is malformed, above 365 days, or zero where it must be positive.',
  DPD_SPEC_SIZE: 'A size is malformed, zero, or above 2^50 bytes.',
  DPD_SPEC_SIGNAL: 'A signal name is unknown.',
  DPD_SPEC_ACCOUNT: 'A user or group is neither a valid name nor a numeric id.',
  DPD_SPEC_UMASK: 'A umask is not an octal string.',
  DPD_SPEC_RLIMIT: 'A resource limit has an unknown name, a malformed value, or soft above hard.',
  DPD_SPEC_ENDPOINT: 'A ZeroMQ endpoint is malformed.',
  DPD_SPEC_URL: 'A URL is not http, https or file, or (in a download list) does not end in a safe file name.',
  DPD_SPEC_LOAD_ORDER: 'load.resume_below is above load.pause_above.',
  DPD_SPEC_BACKOFF_ORDER: 'backoff.initial is above backoff.max.',
  DPD_SPEC_DEPENDENCY: 'depends names a process that is not in the same list.',
  DPD_SPEC_DEPENDENCY_CYCLE: 'depends forms a cycle.',
  DPD_SPEC_KEY_BINDING:
    'curve.allow binds keys to nodes badly: one key for two nodes, or in the list form an entry that is not a key file named <node>.pub (the list form itself is a warning).',
  DPD_SPEC_PLAINTEXT:
    'The HTTP API would be plain HTTP on an address that is not loopback, without http_tls or http_plaintext_remote: true.',
  DPD_SPEC_CONFLICT:
    'Two keys that cannot be used together (write_pid with daemon, logs with log_pipe), or a key another one requires is missing.',
} as const;

export type IssueCode = keyof typeof ISSUE_CODES;

/** Codes of errors procspec throws or returns. */
export const ERROR_CODES = {
  DPD_SPEC_INVALID: 'A file or value did not pass validation; `issues` lists why.',
  DPD_SPEC_UNREADABLE: 'A file could not be read (missing, a directory, no permission).',
  DPD_USAGE:
    'A command line a diprocd command cannot take (an unknown option, a missing value, a missing or extra argument); the command exits 2.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One finding of validation. `path` is a JSON path such as `procs[1].args` (empty for the whole file). */
export interface Issue {
  severity: 'error' | 'warning';
  code: IssueCode;
  path: string;
  message: string;
}

/**
 * Base of every diprocd error: a stable `code` and, where one exists, the
 * `cause`. A package's error class passes its registry's keys as `C`, so a
 * code outside the registry does not compile:
 * `class TransportError extends DiprocdError<TransportErrorCode> { override name = 'TransportError'; }`.
 */
export class DiprocdError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiprocdError';
    this.code = code;
  }
}

/** A file or value that did not validate. `issues` holds every finding, warnings included. */
export class SpecError extends DiprocdError {
  readonly issues: Issue[];
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, issues: Issue[] = [], options?: { cause?: unknown; file?: string }) {
    super(code, message, options);
    this.name = 'SpecError';
    this.issues = issues;
    this.file = options?.file;
  }
}
