// Starting a planned command: its own session and process group, stdin
// from /dev/null, stdout and stderr to the given descriptors.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { ExecPlan } from './exec-plan.js';

/** A descriptor, a pipe, /dev/null, or the supervisor's own stdout/stderr. */
export type Output = number | Writable | 'ignore' | 'inherit';

export function launch(plan: ExecPlan, stdout: Output, stderr: Output): ChildProcess {
  return spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, detached: true, stdio: ['ignore', stdout, stderr] });
}

/** Opens a log file for appending (creating it 0640, whatever the umask, and its directory), never through a symlink. */
export function openLog(path: string): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const existed = statSync(path, { throwIfNoEntry: false }) !== undefined;
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
  if (!existed) fchmodSync(fd, 0o640); // one we created gets its mode whatever the umask; an operator's keeps theirs
  return fd;
}

export const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
};
