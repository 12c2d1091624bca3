// A process spec that procspec normalised carries a mark, so a program that
// is handed one (the supervisor's apply) can take it as it is, without
// loading the validator to check it again. The mark is a property keyed by
// a registered symbol: it is the same symbol in every copy of procspec
// loaded in one process (ESM and CommonJS alike), and, not enumerable, it
// never reaches JSON, a digest or a diff. A copy of a spec (JSON, spread,
// structuredClone) has no mark: it is checked like any spec from elsewhere.
import type { Proc } from './types.js';

const NORMALISED = Symbol.for('@diprocd/procspec/normalised');

/** Marks `proc` as made by normaliseProc. */
export function markNormalised(proc: Proc): Proc {
  Object.defineProperty(proc, NORMALISED, { value: true });
  return proc;
}

/** True when `value` is a spec that procspec's normaliseProc made in this process (copies are not). */
export function isNormalisedProc(value: unknown): value is Proc {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, NORMALISED);
}
