// Starting a planned command: its own session and process group, stdin
// from /dev/null, stdout and stderr to the given descriptor (or /dev/null),
// the spec's umask (Node has no per-spawn umask, so the supervisor's own is
// set around the synchronous fork and put back).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { ExecPlan } from './exec-plan.js';

export type Output = number | Writable | 'ignore';

export function launch(plan: ExecPlan, output: Output): ChildProcess {
  const previous = process.umask(plan.umask);
  try {
    return spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      detached: true,
      stdio: ['ignore', output, output],
    });
  } finally {
    process.umask(previous);
  }
}

/** Opens a log file for appending (creating it 0640 and its directory), never through a symlink. */
export function openLog(path: string): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
}

export const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
};
