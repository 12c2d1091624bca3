// One supervisor per state directory: a lock file created with O_EXCL,
// naming the holder's pid and start time, so a stale lock (holder gone, or
// its pid reused) is recognised and taken over.
import { closeSync, constants, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError } from '../errors.js';
import { isAlive, readProcStat } from '../os/proc-stat.js';

// State directories held by supervisors of this process (by real path).
const held = new Set<string>();

/** Creates `dir` (0700) if need be and locks it; returns the unlock. */
export function lockStateDir(dir: string): () => void {
  let file: string;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    file = join(realpathSync(dir), 'lock');
  } catch (error) {
    throw new SupervisorError('DPD_STATE_DIR', `cannot create state directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (held.has(file))
    throw new SupervisorError(
      'DPD_STATE_DIR',
      `state directory ${dir} is in use by another supervisor of this process`,
    );
  const mine = `${process.pid} ${readProcStat(process.pid)?.startTime ?? ''}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(
        file,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      writeSync(fd, mine);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) {
        throw new SupervisorError('DPD_STATE_DIR', `cannot lock state directory ${dir}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    let holder: string;
    try {
      holder = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const [pid, startTime] = holder.trim().split(' ');
    if (isAlive(Number(pid), startTime))
      throw new SupervisorError('DPD_STATE_DIR', `state directory ${dir} is in use by the supervisor with pid ${pid}`);
    try {
      unlinkSync(file); // stale: its holder is gone
    } catch {
      // someone else took it over first; try again
    }
  }
  held.add(file);
  return () => {
    held.delete(file);
    try {
      if (readFileSync(file, 'utf8') === mine) unlinkSync(file);
    } catch {
      // gone already
    }
  };
}
