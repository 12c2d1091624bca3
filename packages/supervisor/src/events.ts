// The observation plane: every event the supervisor emits, by name, with its payload.
import type { ShownState } from './state/machine.js';
import type { SupervisorError } from './errors.js';

/** How a run ended; `code` and `signal` are null when unknown (an adopted process). */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed for running past its `timeout`. */
  timedOut: boolean;
  /** When it was seen to end (ms since the epoch). */
  at: number;
}

export interface SupervisorEvents {
  /** A run started (pid is the program's, or the forking daemon's). */
  'proc.start': { name: string; pid: number; restarts: number };
  /** A run ended. */
  'proc.exit': { name: string; pid: number; runMs: number } & ExitStatus;
  /** An automatic restart is beginning (after `proc.exit`, and after any backoff). */
  'proc.restart': { name: string; restarts: number };
  /** A quick failure: the restart waits `delayMs`. */
  'proc.backoff': { name: string; delayMs: number };
  /** Restarted more than restart_limit allows; stays down until reset or a changed spec. */
  'proc.gave-up': { name: string; starts: number; withinMs: number };
  /** Stopped by an operator or by apply(). */
  'proc.stop': { name: string };
  'proc.paused': { name: string; pid: number };
  'proc.resumed': { name: string; pid: number };
  /** A `log_pipe` command started (its input stays open across the process's runs). */
  'proc.log-start': { name: string; pid: number };
  /** A `log_pipe` command ended. */
  'proc.log-exit': { name: string; pid: number; code: number | null; signal: NodeJS.Signals | null };
  /**
   * Writes to the log file `file` (through the log relay) began to fail, `recovered: false`, and its lines are dropped
   * from then on; or they succeed again, `recovered: true`, with `lines` the count dropped in between. `code` is the
   * OS's word for the first failure (ENOSPC for a full disk).
   */
  'proc.log-dropped': { name: string; file: string; recovered: boolean; lines: number; code: string };
  /** A process still running from an earlier supervisor was taken over, not restarted. */
  'proc.adopted': { name: string; pid: number; via: 'state' | 'pid_file' };
  /** Every change of state, for status views. */
  'proc.state': { name: string; from: ShownState; to: ShownState };
  /** Something failed: a spawn, a signal, the state file. The supervisor carries on. */
  'proc.error': { name: string | null; error: SupervisorError };
}

export type SupervisorEventName = keyof SupervisorEvents;
