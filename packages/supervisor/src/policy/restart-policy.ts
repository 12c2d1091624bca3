// What follows the end of a run: restart now, back off, give up, or stay
// down. A pure function of the spec, the exit and the start history, so it
// is tested with plain numbers for time.
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
  const delay = Math.min(spec.backoff.initial * 2 ** (history.quickFailures - 1), spec.backoff.max);
  return { event: 'exit:backoff', delay };
}
