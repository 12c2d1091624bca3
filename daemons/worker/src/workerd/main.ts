// dpd-workerd: parse argv, read the file, daemonize or not, take the pid
// file, start the Worker, handle signals, exit.
import { spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatIssue, validateText } from '@diprocd/procspec';
import { lineReader } from '../control/protocol.js';
import { USAGE, UsageError, parseWorkerArgs, type WorkerArgs } from './args.js';
import { Logger } from './logger.js';
import { workerPaths } from './paths.js';
import { lockPidFile } from './pid-lock.js';
import { Worker } from './worker.js';

const NOTIFY_ENV = 'DPD_WORKERD_NOTIFY_FD';
// Read and removed at once, so no supervised process inherits it.
const notifyFd = Number(process.env[NOTIFY_ENV]);
delete process.env[NOTIFY_ENV];
let notified = !(notifyFd > 2);

/** Tells a waiting parent how start-up went (daemon mode only). */
function notify(message: string): void {
  if (notified) return;
  notified = true;
  try {
    writeSync(notifyFd, `${message}\n`);
    closeSync(notifyFd);
  } catch {
    // the parent is gone
  }
}

/** Starts the daemon (this program with -f, detached) and waits until it says it is ready. */
function daemonize(args: WorkerArgs, logFile: string): Promise<number> {
  // The daemon runs from "/": it gets the file's absolute path.
  const argv = [...(args.verbose ? ['-v'] : []), ...(args.logFormat ? ['--log-format', args.logFormat] : []), args.file];
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '-f', ...argv], {
    detached: true,
    cwd: '/',
    stdio: ['ignore', out, out, 'pipe'],
    env: { ...process.env, [NOTIFY_ENV]: '3' },
  });
  closeSync(out);
  return new Promise((done) => {
    let answered = false;
    const pipe = child.stdio[3]!;
    pipe.on(
      'data',
      lineReader((line) => {
        answered = true;
        const [word, ...rest] = line.split(' ');
        if (word === 'ready') process.stdout.write(`dpd-workerd: started (pid ${child.pid}), logging to ${logFile}\n`);
        else if (word === 'running') process.stdout.write(`dpd-workerd: already running (pid ${rest[0]}); nothing done\n`);
        else process.stderr.write(`dpd-workerd: ${rest.join(' ')}\n`);
        pipe.destroy();
        child.unref();
        done(word === 'error' ? 1 : 0);
      }),
    );
    pipe.on('close', () => {
      if (answered) return;
      process.stderr.write(`dpd-workerd: the daemon exited before it was ready; see ${logFile}\n`);
      done(1);
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  // The processes' default umask: with the worker's own the same, default
  // specs need no wrapper to set it (files the worker creates set their modes).
  process.umask(0o077);
  let args;
  try {
    args = parseWorkerArgs(argv);
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
    notify(`error ${file}: cannot read the worker file: ${reason}`);
    return 1;
  }
  const report = validateText(file, text, { kind: 'worker' });
  if (!report.valid) {
    const lines = report.issues.map((issue) => formatIssue(issue, file));
    process.stderr.write(`dpd-workerd: ${file}: invalid worker file, nothing started\n${lines.join('\n')}\n`);
    notify(`error ${file}: invalid worker file, nothing started; ${lines.join('; ')}`);
    return 1;
  }
  const worker = report.value!;
  const paths = workerPaths(file, worker);
  if (!args.foreground && Number.isNaN(notifyFd)) return daemonize({ ...args, file }, paths.logFile); // not the daemon yet

  const log = new Logger(process.stderr, args.logFormat ?? (process.stderr.isTTY ? 'human' : 'json'), args.verbose);
  for (const issue of report.issues) log.warn('file.warning', { issue: formatIssue(issue, file) });
  // Signals that come during start-up wait for it (Node's default would kill the worker half-way).
  let running: Worker | undefined;
  let pending: 'reload' | 'stop' | undefined;
  process.on('SIGHUP', () => (running ? void running.reload('signal') : (pending ??= 'reload')));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => (running ? void running.shutdown() : (pending = 'stop')));

  const lock = lockPidFile(paths.pidFile, file);
  if (!lock.held) {
    log.info('worker.running', { pid: lock.pid, pidFile: paths.pidFile, note: 'another dpd-workerd holds the pid file; nothing done' });
    notify(`running ${lock.pid}`);
    return 0;
  }

  try {
    running = await Worker.start(file, worker, text, log);
  } catch (error) {
    log.error('worker.failed', { code: (error as { code?: string }).code, message: (error as Error).message });
    lock.release();
    notify(`error ${(error as Error).message}`);
    return 1;
  }
  log.info('worker.ready', { pid: process.pid, file, stateDir: paths.stateDir, socket: paths.socket, pidFile: paths.pidFile });
  notify('ready');
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
