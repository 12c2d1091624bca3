/** Defaults of the process keys, in normalised units (milliseconds, bytes). */
export const DEFAULTS = {
  args: [] as string[],
  cwd: '/',
  umask: 0o077,
  write_pid: true,
  daemon: false,
  log_timestamps: false,
  log_keep: 5,
  restart: 'always',
  restart_limit: { starts: 5, within: 60_000 },
  backoff: { initial: 100, max: 30_000 },
  min_uptime: 1_000,
  stop_signal: 'SIGTERM',
  stop_timeout: 10_000,
  load_source: 'loadavg1',
  load_interval: 1_000,
  node_name: '%H',
} as const;
