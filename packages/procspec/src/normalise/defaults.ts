/** Defaults of the process keys, in normalised units (milliseconds, bytes). */
export const DEFAULTS = {
  args: [] as string[],
  cwd: '/',
  umask: 0o077,
  write_pid: true,
  daemon: false,
  log_timestamps: false,
  log_keep: 5,
  log_stderr: true,
  restart: 'always',
  restart_limit: { starts: 5, within: 60_000 },
  backoff: { initial: 100, max: 30_000 },
  min_uptime: 1_000,
  stop_signal: 'SIGTERM',
  stop_timeout: 10_000,
  load_source: 'loadavg1',
  load_interval: 1_000,
  node_name: '%H',
  http: '127.0.0.1:5080',
  heartbeat: 1_000,
  suspect_after: 3_000,
  down_after: 10_000,
  job_lost_after: 600_000,
  // A job's downloads together. Job directories are under the temp dir, often a RAM-backed tmpfs:
  // 1 GiB fits real inputs (source trees, data sets in parts) and stops one job from filling it.
  job_download_max_size: 1024 ** 3,
} as const;
