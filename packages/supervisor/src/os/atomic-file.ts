// Files replaced in one step: a temp file beside the target, written with
// O_EXCL|O_NOFOLLOW (never through a planted symlink), then renamed over
// the target (rename replaces a symlink, it does not follow it). Pid files
// are written for programs, so their directory is reached by the walk of
// safe-path.ts, and the temp file, rename and unlink are relative to it.
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { closeQuietly } from './launch.js';
import { inDir, openDirSafely, trustedFor } from './safe-path.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_NONBLOCK } = constants;
// Unique temp names within this process; O_EXCL refuses any leftover.
let counter = 0;

/** Writes `text` to `name` (a path inside its directory, as `at` gives it) by a temp file renamed over it. */
function replaceFile(
  at: (name: string) => string,
  name: string,
  text: string,
  options: { mode?: number; durable?: boolean },
): void {
  const temp = at(`.${name}.${process.pid}.${Date.now().toString(36)}.${++counter}.tmp`);
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
    renameSync(temp, at(name));
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/**
 * Writes `text` to `path` atomically. `durable` adds an fsync before the rename. For paths only trusted users can
 * change (state, jobs).
 */
export function writeFileAtomic(path: string, text: string, options: { mode?: number; durable?: boolean } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  replaceFile((name) => join(dir, name), basename(path), text, options);
}

/** Runs `act` on the open directory of `path`, reached by the safe walk for a program running as `uid`. */
function inPidDir<T>(
  path: string,
  uid: number | undefined,
  create: boolean,
  act: (at: (name: string) => string) => T,
): T {
  const dirFd = openDirSafely(dirname(path), trustedFor(uid), create);
  try {
    return act((name) => inDir(dirFd, name));
  } finally {
    closeQuietly(dirFd);
  }
}

/**
 * Writes a pid file atomically, creating its directories. `uid`: the
 * program's, who may own directories on the way; a symlink in any
 * component, or a directory someone else may change, is refused with
 * DPD_UNSAFE_PATH.
 */
export const writePidFile = (path: string, pid: number, uid?: number): void =>
  inPidDir(path, uid, true, (at) => replaceFile(at, basename(path), `${pid}\n`, {}));

/**
 * The pid in a pid file (a path, or a name as `at` gives it), or undefined when it is missing or does not hold a pid.
 */
function pidIn(file: string, nofollow: boolean): number | undefined {
  try {
    // O_NONBLOCK: a FIFO planted there cannot hang the supervisor.
    const fd = openSync(file, O_RDONLY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    let text: string;
    try {
      text = readFileSync(fd, 'utf8').slice(0, 64);
    } finally {
      closeSync(fd);
    }
    const pid = Number.parseInt(text.trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid in a pid file, or undefined when it is missing or does not hold a pid. */
export const readPidFile = (path: string): number | undefined => pidIn(path, false);

/**
 * Removes a pid file if it still names `pid` (another writer may have replaced it); its directory is reached as
 * writePidFile's is.
 */
export function removePidFile(path: string, pid: number, uid?: number): void {
  try {
    inPidDir(path, uid, false, (at) => {
      if (pidIn(at(basename(path)), true) !== pid) return;
      try {
        unlinkSync(at(basename(path)));
      } catch {
        // already gone
      }
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // no directory: no pid file
  }
}
