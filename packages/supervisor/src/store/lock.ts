// One supervisor per state directory: a lock file naming the holder's pid
// and start time, so a stale lock (holder gone, pid reused) is recognised.
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError } from '../errors.js';
import { writeFileAtomic } from '../os/atomic-file.js';
import { isAlive, readProcStat } from '../os/proc-stat.js';

// State directories held by supervisors of this process.
const held = new Set<string>();

export function lockStateDir(dir: string): () => void {
  const file = join(dir, 'lock');
  if (held.has(file)) throw new SupervisorError('DPD_STATE_DIR', `state directory ${dir} is in use by another supervisor of this process`);
  try {
    const [pid, startTime] = readFileSync(file, 'utf8').trim().split(' ');
    if (Number(pid) !== process.pid && isAlive(Number(pid), startTime)) {
      throw new SupervisorError('DPD_STATE_DIR', `state directory ${dir} is in use by the supervisor with pid ${pid}`);
    }
  } catch (error) {
    if (error instanceof SupervisorError) throw error;
  }
  const mine = `${process.pid} ${readProcStat(process.pid)?.startTime ?? ''}\n`;
  writeFileAtomic(file, mine, { mode: 0o600 });
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
