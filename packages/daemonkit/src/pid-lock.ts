// The pid file as a lock. It is created whole, in one step: a temp file
// holding our pid is link()ed into place, which fails if the file exists,
// so nobody ever reads it half-written. An existing one means "already
// running" only when it names a live copy of the same daemon for this same
// file; anything else (its process gone, the pid reused, another file's
// daemon) is stale and replaced.
import {
  closeSync,
  constants,
  fchmodSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DaemonkitError } from './errors.js';

/** What the OS said: its code (EACCES) when it gave one. */
const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

export type LockResult = { held: true; release: () => void } | { held: false; pid: number };

/** True when `pid` is the daemon `program` (e.g. "workerd" for dpd-workerd) running `file`. */
function daemonFor(pid: number, program: string, file: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const names = [`dpd-${program}`, `dpd-${program}.js`, `/${program}.js`];
    if (!argv.some((arg) => names.some((name) => arg.endsWith(name)))) return false;
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return argv.some((arg) => resolve(cwd, arg) === file);
  } catch {
    return false;
  }
}

/**
 * Takes the pid file `path` for the daemon `program` (its name without
 * "dpd-", which is also its built entry's name) serving `file`, or says
 * which live copy holds it. Throws DPD_PID_FILE when it cannot be taken.
 */
export function lockPidFile(path: string, program: string, file: string): LockResult {
  const fail = (why: string, cause?: unknown) =>
    new DaemonkitError('DPD_PID_FILE', `cannot take the pid file ${path}: ${why}`, { cause });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    fchmodSync(fd, 0o644); // readable by monitoring, whatever the umask
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
  } catch (error) {
    throw fail(reason(error), error);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path);
        return { held: true, release: () => releasePidFile(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fail(reason(error), error);
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (holder > 0 && holder !== process.pid && daemonFor(holder, program, file)) return { held: false, pid: holder };
      try {
        unlinkSync(path); // stale
      } catch {
        // someone else removed it first
      }
    }
    throw fail('it keeps being replaced');
  } finally {
    unlinkSync(temp);
  }
}

function releasePidFile(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === process.pid) unlinkSync(path);
  } catch {
    // gone already
  }
}
