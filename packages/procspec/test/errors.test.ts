import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiprocdError, ERROR_CODES, ISSUE_CODES, SpecError, loadFile } from '@diprocd/procspec';
import { PACKAGE_ROOT, fixture } from './helpers.js';

describe('error codes', () => {
  it('are documented in the README, and the README documents no other', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(DPD_[A-Z_]+)` \|/gm)].map((match) => match[1]!));
    const defined = new Set([...Object.keys(ISSUE_CODES), ...Object.keys(ERROR_CODES)]);
    expect([...documented].sort()).toEqual([...defined].sort());
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
