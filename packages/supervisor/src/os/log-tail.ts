// The last lines a program wrote to its log file before it ended, for
// proc.exit and status: read from the file's end when the run ends, by the
// same walk that opens it for writing (safe-path.ts: no symlink followed, no
// directory an untrusted user could swap, a regular file with one link), so
// a program cannot make the supervisor read anything but its own log.
import { closeSync, constants, fstatSync, readSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { visible } from '@diprocd/procspec/runtime';
import { closeQuietly } from './launch.js';
import { openDirSafely, openFileSafely, trustedFor } from './safe-path.js';

/** How much of the file's end is read. */
export const TAIL_BYTES = 4096;
/** How many lines are kept (the last ones). */
export const TAIL_LINES = 10;
/** A longer line is cut to this many characters, and "…" added. */
export const TAIL_LINE_CHARS = 200;
/** Only what was written this long before the end counts. */
export const TAIL_WINDOW_MS = 1000;

// A line the log relay stamped (log_timestamps): its time decides, and is left out.
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$/;

/** Where a run's output went: a log file, the length it had when the run began (what came before is not the run's). */
export interface TailSource {
  path: string;
  uid: number | undefined;
  from: number;
  /** Its lines carry the relay's timestamps (log_timestamps). */
  stamped: boolean;
}

/** The length of the file `fd` holds now (where a run's own output begins). */
export const sizeOf = (fd: number): number => fstatSync(fd).size;

/**
 * The last lines written to the source's file since it began, if the file was written within TAIL_WINDOW_MS before
 * `at`; [] when not, or when it cannot be read safely. Never throws.
 */
export function readTail(source: TailSource, at: number): string[] {
  let dirFd = -1;
  let fd = -1;
  try {
    const trusted = trustedFor(source.uid);
    dirFd = openDirSafely(dirname(source.path), trusted, false);
    fd = openFileSafely(dirFd, dirname(source.path), basename(source.path), constants.O_RDONLY, 0, trusted);
    const stat = fstatSync(fd);
    if (stat.mtimeMs < at - TAIL_WINDOW_MS) return [];
    // A file shorter than where the run began was truncated or rotated since: all of it is the run's.
    const from = stat.size < source.from ? 0 : source.from;
    const start = Math.max(from, stat.size - TAIL_BYTES);
    const buffer = Buffer.alloc(stat.size - start);
    const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.subarray(0, read).toString('utf8').split('\n');
    if (start > from) lines.shift(); // cut in the middle of a line
    return lastLines(lines, at, source.stamped);
  } catch {
    return []; // gone, or refused by the path rules: no tail
  } finally {
    if (fd >= 0) closeSync(fd);
    if (dirFd >= 0) closeQuietly(dirFd);
  }
}

/**
 * The last TAIL_LINES non-empty lines, each cut to TAIL_LINE_CHARS; when `stamped`, a line only if its stamp is within
 * the window, given without it.
 */
export function lastLines(lines: string[], at: number, stamped = false): string[] {
  const kept: string[] = [];
  for (const raw of lines) {
    const stamp = stamped ? STAMPED.exec(raw) : null;
    if (stamp && Date.parse(stamp[1]!) < at - TAIL_WINDOW_MS) continue;
    const line = visible((stamp ? stamp[2]! : raw).replace(/\r$/, ''));
    if (line.trim() === '') continue;
    kept.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
  }
  return kept.slice(-TAIL_LINES);
}
