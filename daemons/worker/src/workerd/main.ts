// dpd-workerd: parse argv, read the file, daemonize or not, take the pid
// file, start the Worker, handle signals, exit.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Logger, UsageError, foregroundArgv, lockPidFile, parseDaemonArgs, readinessNotifier, startDaemon } from '@diprocd/daemonkit';
import { formatIssue, validateText } from '@diprocd/procspec';
import { USAGE } from './args.js';
import { workerPaths } from './paths.js';
import { Worker } from './worker.js';

const notifier = readinessNotifier();

/** Starts the daemon (this program with -f, detached) and says how it went. */
async function daemonize(argv: string[], logFile: string): Promise<number> {
  const started = await startDaemon(process.argv[1]!, argv, logFile);
  switch (started.outcome) {
    case 'ready':
      process.stdout.write(`dpd-workerd: started (pid ${started.pid}), logging to ${logFile}\n`);
      return 0;
    case 'running':
      process.stdout.write(`dpd-workerd: already running (pid ${started.pid}); nothing done\n`);
      return 0;
    case 'error':
      process.stderr.write(`dpd-workerd: ${started.message}\n`);
      return 1;
    case 'died':
      process.stderr.write(`dpd-workerd: the daemon exited before it was ready; see ${logFile}\n`);
      return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  // The processes' default umask: with the worker's own the same, default
  // specs need no wrapper to set it (files the worker creates set their modes).
  process.umask(0o077);
  let args;
  try {
    args = parseDaemonArgs(argv, 'worker file');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`dpd-workerd: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const file = resolve(args.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    process.stderr.write(`dpd-workerd: ${file}: cannot read the worker file: ${reason}\n`);
    notifier.error(`${file}: cannot read the worker file: ${reason}`);
    return 1;
  }
  const report = validateText(file, text, { kind: 'worker' });
  if (!report.valid) {
    const lines = report.issues.map((issue) => formatIssue(issue, file));
    process.stderr.write(`dpd-workerd: ${file}: invalid worker file, nothing started\n${lines.join('\n')}\n`);
    notifier.error(`${file}: invalid worker file, nothing started; ${lines.join('; ')}`);
    return 1;
  }
  const worker = report.value!;
  const paths = workerPaths(file, worker);
  if (!args.foreground && !notifier.isDaemon) return daemonize(foregroundArgv({ ...args, file }), paths.logFile); // not the daemon yet

  const log = new Logger(process.stderr, args.logFormat ?? (process.stderr.isTTY ? 'human' : 'json'), args.verbose);
  for (const issue of report.issues) log.warn('file.warning', { issue: formatIssue(issue, file) });
  // Signals that come during start-up wait for it (Node's default would kill the worker half-way).
  let running: Worker | undefined;
  let pending: 'reload' | 'stop' | undefined;
  process.on('SIGHUP', () => (running ? void running.reload('signal') : (pending ??= 'reload')));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => (running ? void running.shutdown() : (pending = 'stop')));

  const lock = lockPidFile(paths.pidFile, 'workerd', file);
  if (!lock.held) {
    log.info('worker.running', { pid: lock.pid, pidFile: paths.pidFile, note: 'another dpd-workerd holds the pid file; nothing done' });
    notifier.running(lock.pid);
    return 0;
  }

  try {
    running = await Worker.start(file, worker, text, log);
  } catch (error) {
    log.error('worker.failed', { code: (error as { code?: string }).code, message: (error as Error).message });
    lock.release();
    notifier.error(`${(error as Error).message}`);
    return 1;
  }
  log.info('worker.ready', { pid: process.pid, file, stateDir: paths.stateDir, socket: paths.socket, pidFile: paths.pidFile });
  notifier.ready();
  if (pending === 'stop') void running.shutdown();
  else if (pending === 'reload') void running.reload('signal');
  await running.closed;
  lock.release();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-workerd: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
