// The normalised forms: every key present, defaults applied, durations in
// milliseconds, sizes in bytes, signals as "SIGxxx", paths absolute.
import type { RlimitName } from '../model/units.js';
import type { ClientInput, JobInput, MasterInput, WorkerInput } from '../model/files.js';
import type { ProcInput } from '../model/proc.js';

export type RestartPolicy = 'always' | 'on-failure' | 'never';
export type LoadSource = 'loadavg1' | 'psi-cpu';
export type RlimitValue = number | 'unlimited';

/** A process, ready to supervise. Durations are milliseconds. */
export interface Proc {
  name: string;
  run: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  umask: number;
  /** `null`: the supervisor's rule (nobody when root, else unchanged). */
  user: string | number | null;
  group: string | number | null;
  /** `null`: the user's groups from the group database; `[]`: none. */
  groups: (string | number)[] | null;
  chroot: string | null;
  rlimits: Partial<Record<RlimitName, { soft: RlimitValue; hard: RlimitValue }>>;
  pid_file: string | null;
  write_pid: boolean;
  daemon: boolean;
  logs: string | null;
  log_timestamps: boolean;
  log_max_size: number | null;
  log_keep: number;
  /** argv of the log command; a string in the file becomes `["/bin/sh", "-c", string]`. */
  log_pipe: string[] | null;
  /** Identity of the log command; `null`: the process's own. */
  log_pipe_as: { user: string | number; group: string | number | null; groups: (string | number)[] | null } | null;
  /** false: only stdout goes to logs/log_pipe; stderr goes where the supervisor's own goes. */
  log_stderr: boolean;
  restart: RestartPolicy;
  restart_limit: { starts: number; within: number };
  backoff: { initial: number; max: number };
  min_uptime: number;
  /** Delay before starting again after a run that exited 0. */
  success_delay: number;
  stop_signal: NodeJS.Signals;
  stop_timeout: number;
  timeout: number | null;
  load: { pause_above: number; resume_below: number; source: LoadSource; interval: number } | null;
  depends: string[];
}

export interface WorkerFile {
  pid_file: string | null;
  log_file: string | null;
  procs: Proc[];
  stop_on_exit: boolean;
  state_dir: string | null;
  control_socket: string | null;
}

export interface MasterFile {
  pid_file: string | null;
  log_file: string | null;
  master_stats: string;
  master_updates: string;
  nodes: Record<string, Proc[]>;
  http: string;
  /** Absolute paths; null: plain HTTP. */
  http_tls: { cert: string; key: string } | null;
  http_plaintext_remote: boolean;
  /** Lower case. */
  http_hostnames: string[];
  api_token: string | null;
  state_dir: string | null;
  jobs_allow_root: boolean;
  job_users: (string | number)[];
  /** `allow`: node name → key file or Z85 key (the list form is bound by file name here). */
  curve: { secret_key: string; public_key: string; allow: Record<string, string> } | null;
  plaintext_remote: boolean;
  /** Milliseconds. */
  heartbeat: number;
  suspect_after: number;
  down_after: number;
  /** Milliseconds. */
  job_lost_after: number;
}

export interface ClientFile {
  pid_file: string | null;
  log_file: string | null;
  master_stats: string;
  master_updates: string;
  /** With `%H` replaced by the host name. */
  node_name: string;
  conf_file: string;
  control_socket: string | null;
  curve: { secret_key: string; public_key: string; master_key: string } | null;
  plaintext_remote: boolean;
  /** Milliseconds. */
  heartbeat: number;
  /** `null`: nobody when root, else unchanged. */
  job_user: string | number | null;
  /** Absolute paths; empty: file:// downloads are refused. */
  job_file_dirs: string[];
  /** Bytes. */
  job_download_max_size: number;
}

export interface JobSpec {
  /** argv; a string in the spec becomes `["/bin/sh", "-c", string]`. */
  cmd: string[];
  name: string | null;
  node: string | null;
  /** File name → URL. */
  download_urls: Record<string, string>;
  config: Record<string, unknown>;
  env: Record<string, string>;
  /** `null`: the node's job_user. */
  user: string | number | null;
  timeout: number | null;
  python_deps: string[];
  python_cheeseshop: string | null;
  npm_deps: string[];
  npm_registry: string | null;
  keep_workdir_on_failure: boolean;
}

/** The normalised form of each kind of file. */
export interface Normalised {
  proc: Proc;
  worker: WorkerFile;
  master: MasterFile;
  client: ClientFile;
  job: JobSpec;
}

/** The input form of each kind of file, as written. */
export interface Inputs {
  proc: ProcInput;
  worker: WorkerInput;
  master: MasterInput;
  client: ClientInput;
  job: JobInput;
}

// Compile-time guard: a key added to a schema must appear in its normalised form.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Assert<T extends true> = T;
export type _ProcKeys = Assert<SameKeys<Required<ProcInput>, Proc>>;
export type _WorkerKeys = Assert<SameKeys<Omit<Required<WorkerInput>, '$schema'>, WorkerFile>>;
export type _MasterKeys = Assert<SameKeys<Omit<Required<MasterInput>, '$schema'>, MasterFile>>;
export type _ClientKeys = Assert<SameKeys<Omit<Required<ClientInput>, '$schema'>, ClientFile>>;
export type _JobKeys = Assert<SameKeys<Omit<Required<JobInput>, '$schema'>, JobSpec>>;
