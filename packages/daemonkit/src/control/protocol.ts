// The control socket's protocol: one JSON object per line each way. A
// request carries an id; the answer carries the same id and either
// `result` or `error: {code, message}`.
import { splitLines } from '@diprocd/procspec/runtime';

export type Command =
  | { cmd: 'status' }
  | { cmd: 'start' | 'stop' | 'restart' | 'reset'; name: string }
  | { cmd: 'logs'; name: string }
  | { cmd: 'reload' }
  | { cmd: 'shutdown'; stopProcesses: boolean };

export type Request = Command & { id: number };

export interface WorkerInfo {
  pid: number;
  file: string;
  stateDir: string;
  startedAt: number;
  /** Why the file on disk is not what runs (it is invalid), or null. */
  fileIssues: string[] | null;
}

/**
 * One process as a status answer carries it: the supervisor's ProcStatus
 * as JSON has it. The protocol says what it carries (as transport's
 * ProcReport does) rather than import the supervisor; a worker that
 * answers with the supervisor's status() is checked against it where it
 * builds the answer.
 */
export interface ProcStatusView {
  name: string;
  /** The supervisor's state: running, stopped, gave-up… */
  state: string;
  pid: number | null;
  pgid: number | null;
  /** When the current run started (ms since the epoch); null when not running. */
  startedAt: number | null;
  uptimeMs: number | null;
  restarts: number;
  /** How the last run ended: `reason` in words, `tail` its last log lines (absent from an older worker's answer). */
  lastExit: {
    code: number | null;
    signal: string | null;
    timedOut: boolean;
    at: number;
    reason?: string;
    tail?: string[];
  } | null;
  /** Why it is down or was stopped, in words. */
  reason: string | null;
  adopted: 'state' | 'pid_file' | null;
}

export interface Results {
  status: { worker: WorkerInfo; procs: ProcStatusView[] };
  start: ProcStatusView;
  stop: ProcStatusView;
  restart: ProcStatusView;
  reset: ProcStatusView;
  logs: { name: string; logs: string | null };
  reload: { changed: boolean; valid: boolean; issues: string[] };
  shutdown: { stopping: boolean };
}

export type Response =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: string; message: string } };

/** The longest answer a client accepts: a status of thousands of processes fits. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The longest request line the worker reads. Every command fits in a few
 * hundred bytes; the cap keeps one client from making the worker buffer
 * (and parse) a line of any length.
 */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Calls `onLine` with each complete, non-blank line of a byte stream (the
 * one line splitter of diprocd), in linear time. A line over `maxBytes` is
 * not passed: `onTooLong` is called once for it and its bytes are dropped.
 */
export function lineReader(
  onLine: (line: string) => void,
  maxBytes: number,
  onTooLong: () => void,
): (chunk: Buffer) => void {
  const lines = splitLines(
    (line) => {
      const text = line.toString('utf8');
      if (text.trim()) onLine(text);
    },
    maxBytes,
    onTooLong,
  );
  return (chunk) => lines.push(chunk);
}
