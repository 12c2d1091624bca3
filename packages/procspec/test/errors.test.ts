// The codes procspec reports are its registries' (issue codes and error
// codes), and its README documents exactly those: a code added without its
// row, a row left for a code that is gone, or a literal code no registry
// has fails here.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';
import { DiprocdError, ERROR_CODES, ISSUE_CODES, SpecError, UsageError, loadFile } from '@diprocd/procspec';
import { PACKAGE_ROOT, fixture } from './helpers.js';

describe('error codes', () => {
  it("are the registries', every one documented in the README and named in the source, and no other", () => {
    const registry = [...new Set([...Object.keys(ISSUE_CODES), ...Object.keys(ERROR_CODES)])].sort();
    expect({
      documented: documentedCodes(join(PACKAGE_ROOT, 'README.md')),
      inSource: codesInSource(join(PACKAGE_ROOT, 'src')),
    }).toEqual({ documented: registry, inSource: registry });
  });

  it('SpecError and UsageError are DiprocdErrors carrying their code', () => {
    const errors = [new SpecError('DPD_SPEC_INVALID', 'x'), new UsageError('x')];
    expect(errors.map((error) => [error instanceof DiprocdError, error.name, error.code])).toEqual([
      [true, 'SpecError', 'DPD_SPEC_INVALID'],
      [true, 'UsageError', 'DPD_USAGE'],
    ]);
    // @ts-expect-error a code that is not in the registry does not compile
    expect(new SpecError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
  });
});

describe('loadFile', () => {
  it('returns the normalised value and the warnings', async () => {
    const { value, warnings } = await loadFile('worker', fixture('warnings', 'unknown-keys.json'));
    expect(value.procs.map((p) => p.name)).toEqual(['sleep']);
    expect(warnings).toHaveLength(3);
  });

  it('throws a SpecError naming the file and each error', async () => {
    const file = fixture('invalid', 'wrong-type.json');
    const error = await loadFile('worker', file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect(error).toBeInstanceOf(DiprocdError);
    expect((error as SpecError).code).toBe('DPD_SPEC_INVALID');
    expect((error as SpecError).file).toBe(file);
    expect((error as SpecError).message.replaceAll(file, 'FILE')).toMatchInlineSnapshot(`
      "FILE: invalid worker file
        FILE:procs[1].args: error: expected an array of strings, found "foo" [DPD_SPEC_TYPE]
        FILE:procs[1].log_keep: error: expected an integer ≥ 0, found 2.5 [DPD_SPEC_TYPE]
        FILE:procs[1].restart: error: expected true, false, "always", "on-failure" or "never", found "sometimes" [DPD_SPEC_VALUE]"
    `);
  });

  it('throws DPD_SPEC_UNREADABLE for a missing file', async () => {
    const error = (await loadFile('worker', fixture('nope.json')).catch((e: unknown) => e)) as SpecError;
    expect(error.code).toBe('DPD_SPEC_UNREADABLE');
    expect(error.message).toMatch(/nope\.json: unreadable\n.*cannot read the file: no such file/);
  });
});
