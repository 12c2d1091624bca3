// Properties over generated input: validation never throws, the canonical
// form is a fixed point, and a list compared with itself is unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KINDS,
  diffProcs,
  normalise,
  normaliseProc,
  procToSpec,
  toSpec,
  validate,
  validateText,
  type Proc,
  type ProcInput,
} from '@diprocd/procspec';
import { VALID, fileLike, mutated, procLike, validProc, validProcList } from './arbitraries.js';

const anyKind = fc.constantFrom(...KINDS);

describe('properties', () => {
  it('validation never throws, on any JSON value or edge value, for any kind', () => {
    const value = fc.oneof(fc.jsonValue(), fileLike, procLike, ...KINDS.map(mutated));
    fc.assert(
      fc.property(value, anyKind, (v, kind) => {
        const result = validate(kind, v);
        expect(result.valid).toBe(!result.issues.some((issue) => issue.severity === 'error'));
        expect(result.value === undefined).toBe(!result.valid);
      }),
      { numRuns: 2_000 },
    );
  });

  it('validateText never throws, on any text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
      // Valid JSON cut short or with one character removed: the usual broken file.
      fc
        .tuple(
          fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
          fc.nat(),
        )
        .map(([t, n]) => t.slice(0, n % (t.length + 1)) + t.slice((n % (t.length + 1)) + 1)),
    );
    fc.assert(
      fc.property(text, fc.option(anyKind, { nil: undefined }), (t, kind) => {
        const report = validateText('x.json', t, kind ? { kind } : {});
        for (const issue of report.issues) expect(issue.message).not.toMatch(/\n/);
      }),
      { numRuns: 2_000 },
    );
  });

  it('generated values are valid (the generators are honest)', () => {
    for (const kind of KINDS) {
      fc.assert(
        fc.property(VALID[kind], (v) => {
          expect(validate(kind, v).issues.filter((i) => i.severity === 'error')).toEqual([]);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('normalising is idempotent: the canonical form normalises to itself', () => {
    fc.assert(
      fc.property(validProc, (p) => {
        const once = normaliseProc(p);
        const canonical = procToSpec(once);
        expect(validate('proc', canonical).issues).toEqual([]);
        expect(normaliseProc(canonical)).toEqual(once);
        expect(procToSpec(normaliseProc(canonical))).toEqual(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('every kind survives toSpec and normalise unchanged', () => {
    for (const kind of KINDS) {
      fc.assert(
        fc.property(VALID[kind], (v) => {
          const value = normalise(kind, v, { hostname: 'box7' });
          const spec = toSpec(kind, value);
          expect(validate(kind, spec, { hostname: 'box7' }).issues).toEqual([]);
          expect(normalise(kind, spec, { hostname: 'box7' })).toEqual(value);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('a list diffed against the same list written differently is all unchanged', () => {
    // The same definitions: in another order, restart written the other way
    // (true ↔ "always", false ↔ "never"), and round-tripped through the
    // canonical form, so durations, paths and signals are written differently.
    const otherSpelling = (p: ProcInput): ProcInput => {
      const restart = (
        { true: 'always', false: 'never', always: true, never: false } as Record<string, ProcInput['restart']>
      )[String(p.restart)];
      return restart === undefined ? p : { ...p, restart };
    };
    const lists = validProcList(8).chain((procs) =>
      fc
        .shuffledSubarray(procs, { minLength: procs.length, maxLength: procs.length })
        .map((shuffled) => [procs, shuffled] as const),
    );
    fc.assert(
      fc.property(lists, ([procs, shuffled]) => {
        const list = procs.map(normaliseProc);
        const again: Proc[] = normalise(
          'worker',
          toSpec('worker', normalise('worker', { procs: shuffled.map(otherSpelling) })),
        ).procs;
        const diff = diffProcs(list, again);
        expect(diff.unchanged.map((p) => p.name)).toEqual(shuffled.map((p) => p.name));
        expect(diff.start.length + diff.stop.length + diff.restart.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
