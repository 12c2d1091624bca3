// From a validated input to the normalised form. Callers validate first;
// `validate()` does both and only normalises a value without errors.
import { hostname } from 'node:os';
import { posix } from 'node:path';
import type { ClientInput, JobInput, MasterInput, WorkerInput, FileKind } from '../model/files.js';
import type { ProcInput } from '../model/proc.js';
import { parseDuration, parseSignal, parseSize, type RlimitName } from '../model/units.js';
import { urlBasename } from '../model/download-name.js';
import { nodeOfKeyFile } from '../validate/semantic.js';
import { DEFAULTS } from './defaults.js';
import type {
  ClientFile,
  JobSpec,
  MasterFile,
  Normalised,
  Proc,
  RestartPolicy,
  RlimitValue,
  WorkerFile,
} from './types.js';

/** Options of normalisation. */
export interface NormaliseOptions {
  /** Host name that `%H` in `node_name` becomes. Default: `os.hostname()`. */
  hostname?: string;
}

const absolute = (path: string): string => posix.resolve('/', path);
const optionalPath = (path: string | undefined): string | null => (path === undefined ? null : absolute(path));
const ms = (value: unknown): number => parseDuration(value)!;
const optionalMs = (value: unknown): number | null => (value === undefined ? null : ms(value));
const argv = (command: string | string[]): string[] =>
  typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
/** A numeric user or group written as text ("0") is the same id as the number. */
const account = (value: string | number): string | number =>
  typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
const envStrings = (env: Record<string, string | number | boolean> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));

function restartPolicy(restart: ProcInput['restart']): RestartPolicy {
  if (restart === undefined || restart === true) return 'always';
  if (restart === false) return 'never';
  return restart;
}

type RlimitInput = NonNullable<ProcInput['rlimits']>[string];

function rlimits(input: ProcInput['rlimits']): Proc['rlimits'] {
  const out: Proc['rlimits'] = {};
  for (const name of Object.keys(input ?? {}).sort()) {
    const limit = input![name] as RlimitInput;
    const pair = typeof limit === 'object' ? limit : { soft: limit, hard: limit };
    out[name as RlimitName] = { soft: pair.soft as RlimitValue, hard: pair.hard as RlimitValue };
  }
  return out;
}

/** The normalised form of one valid process definition. */
export function normaliseProc(input: ProcInput): Proc {
  const daemon = input.daemon ?? DEFAULTS.daemon;
  const chroot = input.chroot === undefined || absolute(input.chroot) === '/' ? null : absolute(input.chroot);
  return {
    name: input.name,
    run: input.run,
    args: [...(input.args ?? DEFAULTS.args)],
    env: envStrings(input.env),
    cwd: absolute(input.cwd ?? DEFAULTS.cwd),
    umask: input.umask === undefined ? DEFAULTS.umask : Number.parseInt(input.umask, 8),
    user: input.user === undefined ? null : account(input.user),
    group: input.group === undefined ? null : account(input.group),
    groups: input.groups ? input.groups.map(account) : null,
    chroot,
    rlimits: rlimits(input.rlimits),
    pid_file: optionalPath(input.pid_file),
    write_pid: input.write_pid ?? (daemon ? false : DEFAULTS.write_pid),
    daemon,
    logs: optionalPath(input.logs),
    log_timestamps: input.log_timestamps ?? DEFAULTS.log_timestamps,
    log_max_size: input.log_max_size === undefined ? null : parseSize(input.log_max_size)!,
    log_keep: input.log_keep ?? DEFAULTS.log_keep,
    log_pipe: input.log_pipe === undefined ? null : argv(input.log_pipe),
    log_pipe_as: input.log_pipe_as
      ? {
          user: account(input.log_pipe_as.user),
          group: input.log_pipe_as.group === undefined ? null : account(input.log_pipe_as.group),
          groups: input.log_pipe_as.groups ? input.log_pipe_as.groups.map(account) : null,
        }
      : null,
    log_stderr: input.log_stderr ?? DEFAULTS.log_stderr,
    restart: restartPolicy(input.restart),
    restart_limit: {
      starts: input.restart_limit?.starts ?? DEFAULTS.restart_limit.starts,
      within:
        input.restart_limit?.within === undefined ? DEFAULTS.restart_limit.within : ms(input.restart_limit.within),
    },
    backoff: {
      initial: input.backoff?.initial === undefined ? DEFAULTS.backoff.initial : ms(input.backoff.initial),
      max: input.backoff?.max === undefined ? DEFAULTS.backoff.max : ms(input.backoff.max),
    },
    min_uptime: input.min_uptime === undefined ? DEFAULTS.min_uptime : ms(input.min_uptime),
    success_delay: input.success_delay === undefined ? 0 : ms(input.success_delay),
    stop_signal: input.stop_signal === undefined ? DEFAULTS.stop_signal : parseSignal(input.stop_signal)!,
    stop_timeout: input.stop_timeout === undefined ? DEFAULTS.stop_timeout : ms(input.stop_timeout),
    timeout: optionalMs(input.timeout),
    load: input.load
      ? {
          pause_above: input.load.pause_above,
          resume_below: input.load.resume_below ?? input.load.pause_above / 2,
          source: input.load.source ?? DEFAULTS.load_source,
          interval: input.load.interval === undefined ? DEFAULTS.load_interval : ms(input.load.interval),
        }
      : null,
    depends: [...(input.depends ?? [])],
  };
}

// The processes of a worker or master file, normalised once per JSON text of
// each entry: a file re-read after an edit gives the unchanged entries the
// very same (frozen) objects, which the supervisor's diff and digests see at
// a glance.
const LISTED_LIMIT = 20_000;
const listed = new Map<string, Proc>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function normaliseListed(input: ProcInput): Proc {
  const key = JSON.stringify(input);
  let proc = listed.get(key);
  if (!proc) {
    if (listed.size >= LISTED_LIMIT) listed.clear();
    proc = deepFreeze(normaliseProc(input));
    listed.set(key, proc);
  }
  return proc;
}

function normaliseWorker(input: WorkerInput): WorkerFile {
  return {
    pid_file: optionalPath(input.pid_file),
    log_file: optionalPath(input.log_file),
    procs: input.procs.map(normaliseListed),
    stop_on_exit: input.stop_on_exit ?? false,
    state_dir: optionalPath(input.state_dir),
    control_socket: optionalPath(input.control_socket),
  };
}

/** curve.allow as node → key: the list form (validated: every entry a <node>.pub file) bound by file name. */
const allowByNode = (allow: Record<string, string> | string[]): Record<string, string> =>
  Array.isArray(allow) ? Object.fromEntries(allow.map((ref) => [nodeOfKeyFile(ref)!, ref])) : { ...allow };

function normaliseMaster(input: MasterInput): MasterFile {
  return {
    pid_file: optionalPath(input.pid_file),
    log_file: optionalPath(input.log_file),
    master_stats: input.master_stats,
    master_updates: input.master_updates,
    nodes: Object.fromEntries(Object.entries(input.nodes).map(([node, procs]) => [node, procs.map(normaliseListed)])),
    http: input.http ?? DEFAULTS.http,
    http_tls: input.http_tls ? { cert: absolute(input.http_tls.cert), key: absolute(input.http_tls.key) } : null,
    http_plaintext_remote: input.http_plaintext_remote ?? false,
    http_hostnames: (input.http_hostnames ?? []).map((name) => name.toLowerCase()),
    api_token: input.api_token ?? null,
    state_dir: optionalPath(input.state_dir),
    jobs_allow_root: input.jobs_allow_root ?? false,
    job_users: [...(input.job_users ?? [])],
    curve: input.curve
      ? {
          secret_key: absolute(input.curve.secret_key),
          public_key: absolute(input.curve.public_key),
          allow: allowByNode(input.curve.allow),
        }
      : null,
    plaintext_remote: input.plaintext_remote ?? false,
    heartbeat: optionalMs(input.heartbeat) ?? DEFAULTS.heartbeat,
    suspect_after: optionalMs(input.suspect_after) ?? DEFAULTS.suspect_after,
    down_after: optionalMs(input.down_after) ?? DEFAULTS.down_after,
    job_lost_after: optionalMs(input.job_lost_after) ?? DEFAULTS.job_lost_after,
  };
}

function normaliseClient(input: ClientInput, options: NormaliseOptions): ClientFile {
  const host = options.hostname ?? hostname();
  return {
    pid_file: optionalPath(input.pid_file),
    log_file: optionalPath(input.log_file),
    master_stats: input.master_stats,
    master_updates: input.master_updates,
    node_name: (input.node_name ?? DEFAULTS.node_name).replaceAll('%H', host),
    conf_file: absolute(input.conf_file),
    control_socket: input.control_socket === undefined ? null : absolute(input.control_socket),
    curve: input.curve
      ? {
          secret_key: absolute(input.curve.secret_key),
          public_key: absolute(input.curve.public_key),
          master_key: input.curve.master_key,
        }
      : null,
    plaintext_remote: input.plaintext_remote ?? false,
    heartbeat: optionalMs(input.heartbeat) ?? DEFAULTS.heartbeat,
    job_user: input.job_user ?? null,
    job_file_dirs: (input.job_file_dirs ?? []).map(absolute),
    job_download_max_size:
      input.job_download_max_size === undefined
        ? DEFAULTS.job_download_max_size
        : parseSize(input.job_download_max_size)!,
  };
}

function normaliseJob(input: JobInput): JobSpec {
  const urls = input.download_urls ?? {};
  return {
    cmd: argv(input.cmd),
    name: input.name ?? null,
    node: input.node ?? null,
    download_urls: Array.isArray(urls) ? Object.fromEntries(urls.map((url) => [urlBasename(url)!, url])) : { ...urls },
    config: structuredClone(input.config ?? {}),
    env: envStrings(input.env),
    user: input.user ?? null,
    timeout: optionalMs(input.timeout),
    python_deps: [...(input.python_deps ?? [])],
    python_cheeseshop: input.python_cheeseshop ?? null,
    npm_deps: [...(input.npm_deps ?? [])],
    npm_registry: input.npm_registry ?? null,
    keep_workdir_on_failure: input.keep_workdir_on_failure ?? false,
  };
}

/** The normalised form of a valid value of a kind. Validate first: invalid input gives undefined behaviour. */
export function normalise<K extends FileKind>(kind: K, input: unknown, options: NormaliseOptions = {}): Normalised[K] {
  const normalisers: { [P in FileKind]: (value: never) => Normalised[P] } = {
    proc: normaliseProc,
    worker: normaliseWorker,
    master: normaliseMaster,
    client: (value: ClientInput) => normaliseClient(value, options),
    job: normaliseJob,
  };
  return (normalisers[kind] as (value: unknown) => Normalised[K])(input);
}
