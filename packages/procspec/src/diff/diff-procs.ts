import { isDeepStrictEqual } from 'node:util';
import type { Proc } from '../normalise/types.js';

/** What converging from one process list to another takes, keyed by `name`. */
export interface ProcDiff {
  /** Only in the new list, in its order. */
  start: Proc[];
  /** Only in the old list, in its order. */
  stop: Proc[];
  /** In both and different once normalised; the new definitions, in the new list's order. */
  restart: Proc[];
  /** In both and the same once normalised; these keep running untouched. */
  unchanged: Proc[];
}

/**
 * Compares two normalised process lists by name. Two definitions written
 * differently that normalise the same (`restart: true` and `"always"`, `"60s"`
 * and `60`) are unchanged.
 */
export function diffProcs(previous: readonly Proc[], next: readonly Proc[]): ProcDiff {
  const before = new Map(previous.map((proc) => [proc.name, proc]));
  const names = new Set(next.map((proc) => proc.name));
  const diff: ProcDiff = { start: [], stop: [], restart: [], unchanged: [] };
  for (const proc of next) {
    const old = before.get(proc.name);
    if (old === undefined) diff.start.push(proc);
    else if (isDeepStrictEqual(old, proc)) diff.unchanged.push(proc);
    else diff.restart.push(proc);
  }
  diff.stop = previous.filter((proc) => !names.has(proc.name));
  return diff;
}
