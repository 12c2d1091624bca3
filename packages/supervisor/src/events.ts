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
  /** How it ended, in words: "exited with code 1", "killed by SIGKILL", a daemon that wrote no pid file… */
  reason: string;
  /**
   * The last lines the run wrote to its `logs` file within the last second before the end (at most 10, each cut at
   * 200 characters: os/log-tail.ts); empty when it wrote nothing then, or its output goes to /dev/null, the terminal
   * or a `log_pipe` command. Through the log relay, the relay tells them (relay/tail-ring.ts).
   */
  tail: string[];
}

/** An exit in words ("exited with code 1", "killed by SIGKILL"); null when neither is known (not our child). */
export const exitWords = (code: number | null, signal: string | null): string | null =>
  signal ? `killed by ${signal}` : code === null ? null : `exited with code ${code}`;

export interface SupervisorEvents {
  /** A run started (pid is the program's, or the forking daemon's). */
  'proc.start': { name: string; pid: number; restarts: number };
  /**
   * A run ended, every run that was exec'd: pid is the program's, or a forking daemon's launcher when no daemon was
   * found (the launcher failed, or no live pid was written to its pid file).
   */
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
