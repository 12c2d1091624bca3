// Opening a log file for appending, for the supervisor (plain logs) and the
// log relay: its directory by the safe walk of safe-path.ts, the file
// inside that directory, never through a symlink.
import { constants, fchmodSync, lstatSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { closeQuietly } from './launch.js';
import { inDir, openDirSafely, openFileSafely, type Trusted } from './safe-path.js';

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;

/**
 * Opens `name` in the open directory `dirFd` (`dirPath`) for appending; one created gets 0640 whatever the umask, an
 * operator's keeps its mode.
 */
export function openLogIn(dirFd: number, dirPath: string, name: string, trusted: Trusted): number {
  const existed = lstatSync(inDir(dirFd, name), { throwIfNoEntry: false }) !== undefined;
  const fd = openFileSafely(dirFd, dirPath, name, APPEND, 0o640, trusted);
  if (!existed) fchmodSync(fd, 0o640);
  return fd;
}

/**
 * Opens the log at `path` for appending, creating its directories (0755)
 * and itself. Returns the file's descriptor and its directory's (rotation
 * renames relative to it); the caller closes both. Throws DPD_UNSAFE_PATH
 * for a path a less trusted user could redirect.
 */
export function openLog(path: string, trusted: Trusted): { fd: number; dirFd: number } {
  const dirFd = openDirSafely(dirname(path), trusted, true);
  try {
    return { fd: openLogIn(dirFd, dirname(path), basename(path), trusted), dirFd };
  } catch (error) {
    closeQuietly(dirFd);
    throw error;
  }
}
