// What the supervisor watches and signals for a run: a pid, its start time
// (so a reused pid is never mistaken for it), and its process group only
// when it leads one. A process that does not lead its group is signalled
// alone: its group may be someone else's (the supervisor's own, even).
import { statSync } from 'node:fs';
import { readPidFile } from './atomic-file.js';
import { isAlive, readProcStat, readUid, startedAtMs } from './proc-stat.js';

export interface Target {
  pid: number;
  /** The group to signal, or null to signal the pid alone. */
  pgid: number | null;
  startTime: string;
}

/** The target for a live pid, or undefined when it is gone. */
export function targetOf(pid: number): Target | undefined {
  const stat = readProcStat(pid);
  if (!stat || !isAlive(pid, stat.startTime)) return undefined;
  return { pid, pgid: stat.pgid === pid ? pid : null, startTime: stat.startTime };
}

/** Conditions a pid file's process must meet to be believed. */
export interface PidFileCheck {
  /** It started no earlier than this /proc start time (a daemon after its launcher). */
  startedSince?: string;
  /** It started before the pid file was last written (what wrote it was already running). */
  startedBeforeFile?: boolean;
  /** It runs as this uid. */
  uid?: number;
}

/**
 * The live process a pid file names, when it passes the checks; else
 * undefined. A pid file is written by the program, possibly as another
 * user: naming some other process must not make the supervisor act on it.
 */
export function targetFromPidFile(path: string, check: PidFileCheck): Target | undefined {
  const pid = readPidFile(path);
  if (pid === undefined || pid === process.pid) return undefined;
  const target = targetOf(pid);
  if (!target) return undefined;
  if (check.startedSince !== undefined && BigInt(target.startTime) < BigInt(check.startedSince)) return undefined;
  if (check.uid !== undefined && readUid(pid) !== check.uid) return undefined;
  if (check.startedBeforeFile) {
    const written = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    // Start times count 10 ms ticks.
    if (written === undefined || startedAtMs(target.startTime) > written + 10) return undefined;
  }
  return target;
}
