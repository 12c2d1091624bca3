// Which process groups have live (non-zombie) members, from one scan of
// /proc shared by every caller within a few milliseconds. Needed because
// kill(-pgid, 0) also counts zombies, and an orphaned zombie lingers for as
// long as whoever inherited it (PID 1, in some containers) does not reap it.
import { readdirSync } from 'node:fs';
import { readProcStat } from './proc-stat.js';

const MAX_AGE_MS = 5;
let scannedAt = -Infinity;
let liveGroups = new Set<number>();

function scan(): Set<number> {
  const groups = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a pid
    const stat = readProcStat(Number(entry));
    if (stat && stat.state !== 'Z' && stat.state !== 'X') groups.add(stat.pgid);
  }
  return groups;
}

/** True when the group has a member that is not a zombie. */
export function groupHasLiveMember(pgid: number): boolean {
  const now = performance.now();
  if (now - scannedAt > MAX_AGE_MS) {
    liveGroups = scan();
    scannedAt = now;
  }
  return liveGroups.has(pgid);
}
