// Could this identity execute that program, or enter that directory? The
// supervisor checks before spawning because, behind setpriv or chroot, a
// refused exec is only the wrapper's exit status, not a reason.
import { dirname } from 'node:path';
import { burstStat } from './burst-cache.js';

function allows(path: string, uid: number, gids: readonly number[], bit: 1): boolean {
  const stat = burstStat(path);
  if (uid === 0) return stat.isDirectory() || (stat.mode & 0o111) !== 0;
  if (stat.uid === uid) return (stat.mode & (bit << 6)) !== 0;
  if (gids.includes(stat.gid)) return (stat.mode & (bit << 3)) !== 0;
  return (stat.mode & bit) !== 0;
}

/** The first path component (directory or the file itself) this identity may not pass or execute, or undefined. */
export function deniedOn(path: string, uid: number, gids: readonly number[]): string | undefined {
  const chain: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    chain.unshift(at);
    if (dirname(at) === at) break;
  }
  try {
    return chain.find((component) => !allows(component, uid, gids, 1));
  } catch {
    return undefined; // a missing component is reported by the existence checks
  }
}
