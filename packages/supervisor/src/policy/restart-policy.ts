// What follows the end of a run: restart now, back off, give up, or stay
// down; and what follows a start that failed: try again after the backoff
// when the machine can lift the cause, else stay down. Pure functions of
// the spec, the exit (or the OS's error code) and the start history, so
// they are tested with plain numbers for time.
import type { Proc } from '@diprocd/procspec/runtime';
import type { ProcEvent } from '../state/machine.js';

/** How a run ended. `code` and `signal` are both null when unknown (an adopted process). */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The supervisor killed it for running past `timeout`. */
  timedOut: boolean;
}

/** Starts and quick failures so far; owned by the process controller. */
export interface RestartHistory {
  /** Times (ms) of recent starts, oldest first. */
  starts: number[];
  /** Consecutive runs shorter than min_uptime. */
  quickFailures: number;
}

export type Verdict =
  | { event: Extract<ProcEvent, 'exit:restart' | 'exit:done' | 'exit:failed' | 'exit:give-up'> }
  | { event: 'exit:backoff'; delay: number };

/**
 * What a start can fail with that the machine lifts by itself: descriptors (EMFILE, ENFILE), processes or memory for
 * a fork (EAGAIN, EWOULDBLOCK, ENOMEM), disk space (ENOSPC), an interrupted call (EINTR). Anything else (ENOENT,
 * EACCES, ENOEXEC, EPERM…) is the spec's or the host's to fix, and stays `spawn-failed`.
 */
export const TRANSIENT_ERRNOS: ReadonlySet<string> = new Set([
  'EMFILE',
  'ENFILE',
  'EAGAIN',
  'EWOULDBLOCK',
  'ENOMEM',
  'ENOSPC',
  'EINTR',
]);

/** True for an OS error code a start is tried again after (TRANSIENT_ERRNOS). */
export const isTransientErrno = (errno: string | undefined): boolean =>
  errno !== undefined && TRANSIENT_ERRNOS.has(errno);

export type SpawnVerdict = { event: 'spawn-error' } | { event: 'spawn-error:transient'; delay: number };

/** The delay after `failures` quick failures in a row: backoff.initial (at least `least`), doubling up to its max. */
const backoffAfter = (spec: Proc, failures: number, least = 0): number =>
  Math.min(Math.max(spec.backoff.initial, least) * 2 ** Math.min(failures - 1, 52), spec.backoff.max);

/** A run that exited 0 on its own succeeded; anything else (signal, timeout, unknown) failed. */
export const succeeded = (exit: ExitInfo): boolean => exit.code === 0 && !exit.timedOut;

/** Start times within the window ending now, the only ones that count toward the limit. */
export function recentStarts(history: RestartHistory, within: number, now: number): number[] {
  return history.starts.filter((time) => now - time < within);
}

/**
 * Decides what follows a run that lasted `runMs` and ended as `exit`.
 * Updates `history.quickFailures` (a long run resets it).
 */
export function decideAfterExit(
  spec: Proc,
  exit: ExitInfo,
  runMs: number,
  history: RestartHistory,
  now: number,
): Verdict {
  const ok = succeeded(exit);
  const wantsRestart = spec.restart === 'always' || (spec.restart === 'on-failure' && !ok);
  if (!wantsRestart) return { event: ok ? 'exit:done' : 'exit:failed' };

  if (recentStarts(history, spec.restart_limit.within, now).length >= spec.restart_limit.starts) {
    return { event: 'exit:give-up' };
  }
  if (ok && spec.success_delay > 0) {
    history.quickFailures = 0;
    return { event: 'exit:backoff', delay: spec.success_delay };
  }
  if (runMs >= spec.min_uptime) {
    history.quickFailures = 0;
    return { event: 'exit:restart' };
  }
  history.quickFailures += 1;
  return { event: 'exit:backoff', delay: backoffAfter(spec, history.quickFailures) };
}

/**
 * Decides what follows a start begun at `startedAt` that failed with the OS error `errno` (undefined when the failure
 * is not the OS's: a missing program, an unsafe path). A transient one (TRANSIENT_ERRNOS) is tried again after the
 * backoff, whatever `restart` says, since the program never ran; it counts as a quick failure (a run of 0 ms) for the
 * delay, which doubles up to backoff.max and starts at 1 ms at least, so a shortage never turns into a busy loop. Its
 * start is taken out of the history: restart_limit is about a program that keeps failing, and a shortage of the
 * machine's (descriptors, processes, memory, disk) must not leave every program it touched `gave-up` until an operator
 * comes; it lifts by itself, and the backoff bounds what the retries cost. Anything else stays down.
 * Updates `history`.
 */
export function decideAfterSpawnError(
  spec: Proc,
  errno: string | undefined,
  history: RestartHistory,
  startedAt: number,
): SpawnVerdict {
  if (!isTransientErrno(errno)) return { event: 'spawn-error' };
  const at = history.starts.lastIndexOf(startedAt);
  if (at >= 0) history.starts.splice(at, 1);
  history.quickFailures += 1;
  return { event: 'spawn-error:transient', delay: backoffAfter(spec, history.quickFailures, 1) };
}
