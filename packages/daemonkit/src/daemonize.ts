// Becoming a daemon without losing the error: the parent re-runs the same
// program detached, in the foreground mode, with a pipe on fd 3; the child
// reports one line on it once it knows how start-up went ("ready",
// "running PID" when another copy holds the pid file, or "error MESSAGE"),
// and the parent returns that. A child that dies first closes the pipe.
import { spawn } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaemonkitError } from './errors.js';

const NOTIFY_ENV = 'DPD_NOTIFY_FD';

export type StartOutcome =
  | { outcome: 'ready'; pid: number }
  | { outcome: 'running'; pid: number }
  | { outcome: 'error'; message: string }
  | { outcome: 'died' };

/**
 * The child's side: how to tell the waiting parent. Call once at start-up; it also removes the variable so supervised
 * processes never inherit it.
 */
export function readinessNotifier(env: NodeJS.ProcessEnv = process.env) {
  const fd = Number(env[NOTIFY_ENV]);
  delete env[NOTIFY_ENV];
  let done = !(fd > 2);
  const send = (message: string) => {
    if (done) return;
    done = true;
    try {
      writeSync(fd, `${message}\n`);
      closeSync(fd);
    } catch {
      // the parent is gone
    }
  };
  return {
    /** True in the daemon a parent started (it waits for one of the calls below). */
    isDaemon: fd > 2,
    ready: () => send('ready'),
    running: (pid: number) => send(`running ${pid}`),
    error: (message: string) => send(`error ${message.replace(/\n/g, '; ')}`),
  };
}

/**
 * Starts `script argv…` with this Node, detached, from `cwd` (default "/"),
 * its output appended to `logFile`, and waits for its readiness line.
 * Throws DPD_LOG_FILE when the log file cannot be opened.
 */
export function startDaemon(script: string, argv: string[], logFile: string, cwd = '/'): Promise<StartOutcome> {
  let out: number;
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    out = openSync(logFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
  } catch (error) {
    throw new DaemonkitError(
      'DPD_LOG_FILE',
      `cannot open the log file ${logFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    detached: true,
    cwd,
    stdio: ['ignore', out, out, 'pipe'],
    env: { ...process.env, [NOTIFY_ENV]: '3' },
  });
  closeSync(out);
  return new Promise((resolve) => {
    const pipe = child.stdio[3]!;
    let text = '';
    let answered = false;
    pipe.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (answered || newline < 0) return;
      answered = true;
      const [word, ...rest] = text.slice(0, newline).split(' ');
      pipe.destroy();
      child.unref();
      if (word === 'ready') resolve({ outcome: 'ready', pid: child.pid! });
      else if (word === 'running') resolve({ outcome: 'running', pid: Number(rest[0]) });
      else resolve({ outcome: 'error', message: rest.join(' ') });
    });
    pipe.on('close', () => {
      if (!answered) resolve({ outcome: 'died' });
    });
  });
}
