// The pid file as a lock: created with O_EXCL; an existing one naming a
// live dpd-workerd means "already running". A stale one (its process gone,
// or the pid now someone else's) is replaced.
import { closeSync, constants, fchmodSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type LockResult = { held: true; release: () => void } | { held: false; pid: number };

function liveWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dpd-workerd') || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/workerd.js');
  } catch {
    return false;
  }
}

export function lockPidFile(path: string): LockResult {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      fchmodSync(fd, 0o644); // readable by monitoring, whatever the umask
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        held: true,
        release: () => {
          try {
            if (Number(readFileSync(path, 'utf8').trim()) === process.pid) unlinkSync(path);
          } catch {
            // gone already
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (pid > 0 && pid !== process.pid && liveWorker(pid)) return { held: false, pid };
    unlinkSync(path); // stale
  }
  throw new Error(`cannot take the pid file ${path}: it keeps being replaced`);
}
