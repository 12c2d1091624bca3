// Files replaced in one step: a temp file beside the target, written with
// O_EXCL|O_NOFOLLOW (never through a planted symlink), then renamed over
// the target (rename replaces a symlink, it does not follow it).
import { closeSync, constants, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
// Unique temp names within this process; O_EXCL refuses any leftover.
let counter = 0;

/** Writes `text` to `path` atomically. `durable` adds an fsync before the rename. */
export function writeFileAtomic(path: string, text: string, options: { mode?: number; durable?: boolean } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.${++counter}.tmp`);
  const mode = options.mode ?? 0o644;
  const fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    fchmodSync(fd, mode); // the mode asked for, whatever the umask
    writeSync(fd, text);
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** Writes a pid file atomically. */
export const writePidFile = (path: string, pid: number): void => writeFileAtomic(path, `${pid}\n`);

/** The pid in a pid file, or undefined when it is missing or does not hold a pid. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a pid file if it still names `pid` (another writer may have replaced it). */
export function removePidFile(path: string, pid: number): void {
  if (readPidFile(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
