// Paths the supervisor writes as root on a program's behalf (logs, pid
// files): reached from / one component at a time, never through a symlink
// in any component, each directory checked to be changeable only by root
// and the program's user. O_NOFOLLOW alone guards the last component; a
// user who owns a directory on the way could swap what is below it for a
// symlink to /etc.
//
// Node 20 has no openat(). /proc/self/fd/<dirfd>/<name> is one: the kernel
// jumps to the directory the descriptor holds (wherever it has been moved
// since) and looks <name> up there, with O_NOFOLLOW applying to <name>.
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { SupervisorError } from '../errors.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Who may own, and write to, what is on the way: root, the supervisor itself and the program's user. */
export type Trusted = ReadonlySet<number>;

/** The owners trusted for paths written for a program running as `uid`. */
export const trustedFor = (uid: number | undefined): Trusted =>
  new Set([0, process.getuid!(), ...(uid === undefined ? [] : [uid])]);

/** `name` inside the directory open as `dirFd`, as a path any fs call takes (an openat() for Node). */
export const inDir = (dirFd: number, name: string): string => `/proc/self/fd/${dirFd}/${name}`;

const unsafe = (path: string, why: string): SupervisorError =>
  new SupervisorError('DPD_UNSAFE_PATH', `${path} ${why}; nothing was written there`);

/** Why a directory's owner or mode lets someone untrusted change what is in it, or undefined. */
function untrustedDir(stat: Stats, trusted: Trusted): string | undefined {
  if (!trusted.has(stat.uid)) return `is owned by uid ${stat.uid}, neither root nor the program's user`;
  // A sticky directory (/tmp): others may add entries but not move or
  // replace ours; what is found in it is checked at the next step.
  if (stat.mode & 0o1000) return undefined;
  if (stat.mode & 0o002) return 'is writable by others (and not sticky)';
  if (stat.mode & 0o020) return `is writable by group ${stat.gid} (and not sticky)`;
  return undefined;
}

/** The reason the component at `path` (looked up as `at`) could not be opened as a directory. */
function notADirectory(path: string, at: string, error: NodeJS.ErrnoException): Error {
  if (error.code !== 'ENOTDIR' && error.code !== 'ELOOP') return error;
  const stat = lstatSync(at, { throwIfNoEntry: false });
  return unsafe(
    path,
    stat?.isSymbolicLink()
      ? 'is a symlink, and log and pid file paths are never followed through one'
      : 'is not a directory',
  );
}

/**
 * Opens directory `dir` (relative: from the supervisor's cwd) by a walk
 * from /, creating missing components (0755) when `create`. Returns its
 * descriptor, for the caller to close. Throws DPD_UNSAFE_PATH naming the
 * component that is a symlink, not a directory, or changeable by someone
 * untrusted; other failures are the OS's errors (ENOENT without `create`).
 */
export function openDirSafely(dir: string, trusted: Trusted, create: boolean): number {
  const parts = resolve(dir).split('/').filter(Boolean);
  let path = '/';
  let fd = openSync('/', O_RDONLY | O_DIRECTORY);
  try {
    for (let i = 0; ; i++) {
      const why = untrustedDir(fstatSync(fd), trusted);
      if (why) throw unsafe(path, why);
      if (i === parts.length) return fd;
      const at = inDir(fd, parts[i]!);
      path = `${path === '/' ? '' : path}/${parts[i]}`;
      let next: number;
      try {
        next = openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create)
          throw notADirectory(path, at, error as NodeJS.ErrnoException);
        try {
          mkdirSync(at, 0o755);
        } catch (made) {
          // EEXIST: someone was first; checked as found
          if ((made as NodeJS.ErrnoException).code !== 'EEXIST') throw made;
        }
        try {
          next = openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        } catch (again) {
          throw notADirectory(path, at, again as NodeJS.ErrnoException);
        }
      }
      closeSync(fd);
      fd = next;
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Opens `name` in the directory `dirFd` (which is `dirPath`) with `flags`
 * plus O_NOFOLLOW and O_NONBLOCK (a FIFO planted there cannot hang the
 * supervisor), and refuses anything but a regular file with one link owned
 * by a trusted user: a hard link to another file, or someone else's file in
 * a sticky directory, is not written to.
 */
export function openFileSafely(
  dirFd: number,
  dirPath: string,
  name: string,
  flags: number,
  mode: number,
  trusted: Trusted,
): number {
  const path = `${resolve(dirPath)}/${name}`;
  let fd: number;
  try {
    fd = openSync(inDir(dirFd, name), flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP')
      throw unsafe(path, 'is a symlink, and log and pid file paths are never followed through one');
    throw error;
  }
  const stat = fstatSync(fd);
  const why = !stat.isFile()
    ? 'is not a regular file'
    : stat.nlink > 1
      ? `has ${stat.nlink} hard links`
      : !trusted.has(stat.uid)
        ? `is owned by uid ${stat.uid}, neither root nor the program's user`
        : undefined;
  if (why) {
    closeSync(fd);
    throw unsafe(path, why);
  }
  return fd;
}

/** What a failure to reach a path says: our coded message, or the OS's code. */
export const pathFailure = (
  what: string,
  path: string,
  error: unknown,
): { code: 'DPD_UNSAFE_PATH' | 'DPD_SPAWN_FAILED'; reason: string; errno?: string } =>
  error instanceof SupervisorError && error.code === 'DPD_UNSAFE_PATH'
    ? { code: 'DPD_UNSAFE_PATH', reason: `${what} ${path}: ${error.message}` }
    : {
        code: 'DPD_SPAWN_FAILED',
        reason: `${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        errno: (error as NodeJS.ErrnoException).code,
      };
