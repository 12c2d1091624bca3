// The life of a diprocd daemon around its one file, the same for the
// worker, the master and the client: parse argv, read and check the file,
// become a daemon (or not), take the pid file, start the body, route
// signals, wait for the end. It writes only to the streams it is given and
// returns the exit code; the daemon's bin calls process.exit with it.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { usageMessage, versionLine } from '@diprocd/procspec/runtime';
import { UsageError, foregroundArgv, parseDaemonArgs } from './args.js';
import { readinessNotifier, startDaemon } from './daemonize.js';
import { DaemonkitError } from './errors.js';
import { Logger, type Fields } from './logger.js';
import { lockPidFile } from './pid-lock.js';

/** What a file check says: the value with warning lines, or the issue lines. */
export type Loaded<F> = { ok: true; value: F; warnings: string[] } | { ok: false; issues: string[] };

/** A started daemon body. */
export interface DaemonBody {
  /** SIGHUP: re-read the file now. */
  reload(reason: 'signal'): unknown;
  /** SIGTERM/SIGINT: stop; `closed` resolves once done. */
  shutdown(): unknown;
  readonly closed: Promise<void>;
  /** Logged with the ready event. */
  readonly readyFields?: Fields;
}

export interface DaemonDefinition<F> {
  /** The command's name, e.g. "dpd-masterd"; its built entry is `<name without dpd->.js`. */
  name: string;
  /** Its role, which prefixes its own log events: "master" logs master.ready. */
  role: string;
  /** The file it reads, in words: "master file". */
  what: string;
  usage: string;
  /** Set before anything else (the worker's children inherit it). */
  umask?: number;
  /** Checks the file's text (`file` is its absolute path). */
  load(file: string, text: string): Loaded<F>;
  /** Where the pid file and, as a daemon, the log go. */
  paths(file: string, value: F): { pidFile: string; logFile: string };
  start(file: string, value: F, text: string, log: Logger): Promise<DaemonBody>;
}

/** A daemon file's path without `.json`: what its defaults beside it are named after (`worker.pid`, `worker.sock`…). */
export const fileBase = (file: string): string => join(dirname(resolve(file)), basename(file).replace(/\.json$/, ''));

/** The pid file and log a daemon's file names, else `<file without .json>.pid` and `.log` beside it. */
export function besideFile(
  file: string,
  keys: { pid_file: string | null; log_file: string | null },
): { pidFile: string; logFile: string } {
  return { pidFile: keys.pid_file ?? `${fileBase(file)}.pid`, logFile: keys.log_file ?? `${fileBase(file)}.log` };
}

/** Runs a daemon to its end and returns its exit code (0 also when another copy already runs). */
export async function daemonMain<F>(
  def: DaemonDefinition<F>,
  argv: string[],
  io: { stdout: Writable; stderr: Writable & { isTTY?: boolean } },
): Promise<number> {
  const notifier = readinessNotifier();
  const say = (line: string) => io.stderr.write(`${def.name}: ${line}\n`);
  if (def.umask !== undefined) process.umask(def.umask);
  let args;
  try {
    args = parseDaemonArgs(argv, def.what);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageMessage(def.name, error, def.usage));
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(`${def.usage}\n`);
    return 0;
  }
  if (args === 'version') {
    io.stdout.write(versionLine(def.name));
    return 0;
  }

  const file = resolve(args.file);
  const fail = (message: string) => {
    say(message);
    notifier.error(message.replaceAll('\n', '; '));
    return 1;
  };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return fail(`${file}: cannot read the ${def.what}: ${reason}`);
  }
  const loaded = def.load(file, text);
  if (!loaded.ok) return fail(`${file}: invalid ${def.what}, nothing started\n${loaded.issues.join('\n')}`);
  const paths = def.paths(file, loaded.value);
  if (!args.foreground && !notifier.isDaemon) {
    // Not the daemon yet: start it (this program with -f, detached) and say how it went.
    let started;
    try {
      started = await startDaemon(process.argv[1]!, foregroundArgv({ ...args, file }), paths.logFile);
    } catch (error) {
      if (!(error instanceof DaemonkitError)) throw error;
      say(`${error.message} [${error.code}]`);
      return 1;
    }
    switch (started.outcome) {
      case 'ready':
        io.stdout.write(`${def.name}: started (pid ${started.pid}), logging to ${paths.logFile}\n`);
        return 0;
      case 'running':
        io.stdout.write(`${def.name}: already running (pid ${started.pid}); nothing done\n`);
        return 0;
      case 'error':
        say(started.message);
        return 1;
      case 'died':
        say(`the daemon exited before it was ready; see ${paths.logFile}`);
        return 1;
    }
  }

  const log = new Logger(io.stderr, args.logFormat ?? (io.stderr.isTTY ? 'human' : 'json'), args.verbose);
  // Whatever way the process ends (process.exit, an uncaught exception), the lines kept are written.
  process.on('exit', () => log.flush());
  // And on the way out of here, so they come before what the caller writes next.
  try {
    for (const warning of loaded.warnings) log.warn('file.warning', { issue: warning });
    // Signals that come during start-up wait for it (Node's default would kill the daemon half-way).
    let body: DaemonBody | undefined;
    let pending: 'reload' | 'stop' | undefined;
    // A reload that fails is logged (the body's own reload says what it could); never an unhandled rejection.
    const reload = () =>
      void Promise.resolve()
        .then(() => body!.reload('signal'))
        .catch((error: Error & { code?: string }) =>
          log.error(`${def.role}.reload-failed`, { code: error.code, message: error.message }),
        );
    process.on('SIGHUP', () => (body ? reload() : (pending ??= 'reload')));
    for (const signal of ['SIGTERM', 'SIGINT'] as const)
      process.on(signal, () => (body ? void body.shutdown() : (pending = 'stop')));

    /** A start that failed: logged with its code, told to a waiting parent. */
    const failed = (error: unknown) => {
      log.error(`${def.role}.failed`, { code: (error as { code?: string }).code, message: (error as Error).message });
      log.flush();
      notifier.error((error as Error).message);
      return 1;
    };
    const program = def.name.replace(/^dpd-/, '');
    let lock;
    try {
      lock = lockPidFile(paths.pidFile, program, file);
    } catch (error) {
      return failed(error);
    }
    if (!lock.held) {
      log.info(`${def.role}.running`, {
        pid: lock.pid,
        pidFile: paths.pidFile,
        note: `another ${def.name} holds the pid file; nothing done`,
      });
      log.flush();
      notifier.running(lock.pid);
      return 0;
    }
    try {
      body = await def.start(file, loaded.value, text, log);
    } catch (error) {
      lock.release();
      return failed(error);
    }
    log.info(`${def.role}.ready`, { pid: process.pid, file, pidFile: paths.pidFile, ...body.readyFields });
    log.flush(); // the log holds the ready line before the parent says where to find it
    notifier.ready();
    if (pending === 'stop') void body.shutdown();
    else if (pending === 'reload') reload();
    await body.closed;
    lock.release();
    return 0;
  } finally {
    log.flush();
  }
}
