// Back from the normalised form to a file's form, every key written out:
// what the client writes into the worker file, and the canonical form
// (normalise(toSpec(x)) equals x).
import type { FileKind, ClientInput, JobInput, MasterInput, WorkerInput } from '../model/files.js';
import type { ProcInput } from '../model/proc.js';
import { formatDuration } from '../model/units.js';
import type { ClientFile, Inputs, JobSpec, MasterFile, Normalised, Proc, WorkerFile } from './types.js';

const orOmit = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** A process definition with every key written out, durations as text. */
export function procToSpec(proc: Proc): ProcInput {
  const spec: ProcInput = {
    name: proc.name,
    run: proc.run,
    args: [...proc.args],
    env: { ...proc.env },
    cwd: proc.cwd,
    umask: proc.umask.toString(8).padStart(3, '0'),
    user: orOmit(proc.user),
    group: orOmit(proc.group),
    groups: proc.groups === null ? undefined : [...proc.groups],
    chroot: orOmit(proc.chroot),
    rlimits: structuredClone(proc.rlimits) as ProcInput['rlimits'],
    pid_file: orOmit(proc.pid_file),
    write_pid: proc.write_pid,
    daemon: proc.daemon,
    logs: orOmit(proc.logs),
    log_timestamps: proc.log_timestamps,
    log_max_size: orOmit(proc.log_max_size),
    log_keep: proc.log_keep,
    log_pipe: proc.log_pipe === null ? undefined : [...proc.log_pipe],
    log_pipe_as:
      proc.log_pipe_as === null
        ? undefined
        : dropUndefined({
            user: proc.log_pipe_as.user,
            group: orOmit(proc.log_pipe_as.group),
            groups: proc.log_pipe_as.groups === null ? undefined : [...proc.log_pipe_as.groups],
          }),
    log_stderr: proc.log_stderr,
    restart: proc.restart,
    restart_limit: { starts: proc.restart_limit.starts, within: formatDuration(proc.restart_limit.within) },
    backoff: { initial: formatDuration(proc.backoff.initial), max: formatDuration(proc.backoff.max) },
    min_uptime: formatDuration(proc.min_uptime),
    success_delay: formatDuration(proc.success_delay),
    stop_signal: proc.stop_signal,
    stop_timeout: formatDuration(proc.stop_timeout),
    timeout: proc.timeout === null ? undefined : formatDuration(proc.timeout),
    load: proc.load === null ? undefined : { ...proc.load, interval: formatDuration(proc.load.interval) },
    depends: [...proc.depends],
  };
  return dropUndefined(spec);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const fileKeys = (file: { pid_file: string | null; log_file: string | null }) => ({
  pid_file: orOmit(file.pid_file),
  log_file: orOmit(file.log_file),
});

const toSpecs: { [K in FileKind]: (value: Normalised[K]) => object } = {
  proc: procToSpec,
  worker: (file: WorkerFile): WorkerInput =>
    dropUndefined({
      ...fileKeys(file),
      procs: file.procs.map(procToSpec),
      stop_on_exit: file.stop_on_exit,
      state_dir: orOmit(file.state_dir),
      control_socket: orOmit(file.control_socket),
    }),
  master: (file: MasterFile): MasterInput =>
    dropUndefined({
      ...fileKeys(file),
      master_stats: file.master_stats,
      master_updates: file.master_updates,
      nodes: Object.fromEntries(Object.entries(file.nodes).map(([node, procs]) => [node, procs.map(procToSpec)])),
      http: file.http,
      http_tls: file.http_tls === null ? undefined : { ...file.http_tls },
      http_plaintext_remote: file.http_plaintext_remote,
      http_hostnames: [...file.http_hostnames],
      api_token: orOmit(file.api_token),
      state_dir: orOmit(file.state_dir),
      jobs_allow_root: file.jobs_allow_root,
      job_users: [...file.job_users],
      curve: file.curve === null ? undefined : { ...file.curve, allow: { ...file.curve.allow } },
      plaintext_remote: file.plaintext_remote || undefined,
      heartbeat: formatDuration(file.heartbeat),
      suspect_after: formatDuration(file.suspect_after),
      down_after: formatDuration(file.down_after),
      job_lost_after: formatDuration(file.job_lost_after),
    }),
  client: (file: ClientFile): ClientInput =>
    dropUndefined({
      ...fileKeys(file),
      master_stats: file.master_stats,
      master_updates: file.master_updates,
      node_name: file.node_name,
      conf_file: file.conf_file,
      control_socket: orOmit(file.control_socket),
      curve: file.curve === null ? undefined : { ...file.curve },
      plaintext_remote: file.plaintext_remote || undefined,
      heartbeat: formatDuration(file.heartbeat),
      job_user: orOmit(file.job_user),
      job_file_dirs: [...file.job_file_dirs],
      job_download_max_size: file.job_download_max_size,
    }),
  job: (job: JobSpec): JobInput =>
    dropUndefined({
      cmd: [...job.cmd],
      name: orOmit(job.name),
      node: orOmit(job.node),
      download_urls: { ...job.download_urls },
      config: structuredClone(job.config),
      env: { ...job.env },
      user: orOmit(job.user),
      timeout: job.timeout === null ? undefined : formatDuration(job.timeout),
      python_deps: [...job.python_deps],
      python_cheeseshop: orOmit(job.python_cheeseshop),
      npm_deps: [...job.npm_deps],
      npm_registry: orOmit(job.npm_registry),
      keep_workdir_on_failure: job.keep_workdir_on_failure,
    }),
};

/** The file form of a normalised value, every key written out. */
export function toSpec<K extends FileKind>(kind: K, value: Normalised[K]): Inputs[K] {
  return (toSpecs[kind] as (v: Normalised[K]) => Inputs[K])(value);
}
