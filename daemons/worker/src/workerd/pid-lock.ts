// The pid file as a lock. It is created whole, in one step: a temp file
// holding our pid is link()ed into place, which fails if the file exists,
// so nobody ever reads it half-written. An existing one means "already
// running" only when it names a live dpd-workerd for this same worker file;
// anything else (its process gone, the pid reused, another file's worker)
// is stale and replaced.
import { closeSync, constants, fchmodSync, linkSync, mkdirSync, openSync, readFileSync, readlinkSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type LockResult = { held: true; release: () => void } | { held: false; pid: number };

/** True when `pid` is a dpd-workerd running `file`. */
function workerFor(pid: number, file: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!argv.some((arg) => arg.endsWith('dpd-workerd') || arg.endsWith('dpd-workerd.js') || arg.endsWith('/workerd.js'))) return false;
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return argv.some((arg) => resolve(cwd, arg) === file);
  } catch {
    return false;
  }
}

export function lockPidFile(path: string, file: string): LockResult {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  fchmodSync(fd, 0o644); // readable by monitoring, whatever the umask
  writeSync(fd, `${process.pid}\n`);
  closeSync(fd);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, path);
        return { held: true, release: () => releasePidFile(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (holder > 0 && holder !== process.pid && workerFor(holder, file)) return { held: false, pid: holder };
      try {
        unlinkSync(path); // stale
      } catch {
        // someone else removed it first
      }
    }
    throw new Error(`cannot take the pid file ${path}: it keeps being replaced`);
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
