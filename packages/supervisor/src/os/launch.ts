// Starting a planned command: its own session and process group, stdin
// from /dev/null, stdout and stderr to the given outputs. Two spawners do
// it: the spawn helper (spawn-helper.ts), and Node's own spawn here, which
// serves where the helper cannot (it was not built, or an output it cannot
// reach).
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { wrappedCommand, type ExecPlan } from './exec-plan.js';

/** A descriptor, a pipe, /dev/null, or the supervisor's own stdout/stderr. */
export type Output = number | Writable | 'ignore' | 'inherit';

/** What happens to one started program. Never called synchronously from spawn(). */
export interface ChildEvents {
  /** The program has been exec'd and runs as `pid`; `startTime` is its /proc start time, when the spawner read it. */
  spawned(pid: number, startTime?: string): void;
  /**
   * It could not be started; nothing runs. `reason` names what failed and the OS's word for it; `errno` is that word
   * (EMFILE, ENOENT…) when the OS refused, for the restart policy to tell a shortage from a fault.
   */
  failed(reason: string, errno?: string): void;
  /** It exited. `groupLeft`: whether processes of the group it led remain (undefined when the spawner cannot tell). */
  exited(code: number | null, signal: NodeJS.Signals | null, groupLeft?: boolean): void;
  /** It is no longer our child (the spawn helper is gone): its exit will not be reported. */
  lost(): void;
}

/** A started (or starting) program. */
export interface Child {
  /** Stops reporting on it; it runs on, and does not keep the host's event loop alive. */
  detach(): void;
}

export interface Spawner {
  spawn(plan: ExecPlan, stdout: Output, stderr: Output, events: ChildEvents): Child;
  /** Resolves once every spawn asked for has been answered (spawned or failed). */
  idle(): Promise<void>;
  /** Lets go of the spawner itself; started programs run on. */
  close(): void;
}

const errnoReason = (error: NodeJS.ErrnoException): string => error.code ?? error.message;

/** Node's spawn, with the wrappers of wrappedCommand() for what it cannot set. */
export const nodeSpawner: Spawner = {
  spawn(plan, stdout, stderr, events) {
    const later = (fn: () => void): Child => {
      queueMicrotask(fn);
      return { detach: () => undefined };
    };
    const command = wrappedCommand(plan);
    if (!command.ok) return later(() => events.failed(command.reason));
    const failed = (error: NodeJS.ErrnoException) =>
      events.failed(`run ${command.file}: ${errnoReason(error)}`, error.code);
    let child;
    try {
      child = spawn(command.file, command.args, {
        cwd: command.cwd,
        env: plan.env,
        detached: true,
        stdio: ['ignore', stdout, stderr],
      });
    } catch (error) {
      return later(() => failed(error as NodeJS.ErrnoException));
    }
    const pid = child.pid;
    if (pid === undefined) {
      child.once('error', failed);
      return { detach: () => child.removeAllListeners('error').on('error', () => undefined) };
    }
    // Later errors are about signalling it, which the supervisor does itself.
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => events.exited(code, signal));
    queueMicrotask(() => events.spawned(pid));
    return {
      detach() {
        child.removeAllListeners('exit');
        child.unref();
      },
    };
  },
  // Its answers are microtasks queued by spawn(): they run before this resolves.
  idle: () => Promise.resolve(),
  close: () => undefined,
};

export const closeQuietly = (fd: number): void => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
};
