// The error codes dpd-run gives are one registry (src/errors.ts),
// documented in the README's table, and every code the source names is in
// it (or is another package's): a code added without its registry entry or
// its line in the table, or one left behind, fails here.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAEMONKIT_ERROR_CODES } from '@diprocd/daemonkit';
import { DiprocdError, ERROR_CODES, ISSUE_CODES } from '@diprocd/procspec';
import { SUPERVISOR_ERROR_CODES } from '@diprocd/supervisor';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';
import { RUN_ERROR_CODES, RunError } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTRY = Object.keys(RUN_ERROR_CODES).sort();
/** The codes of the libraries the daemons use: theirs to document. */
const LIBRARIES = {
  ...ISSUE_CODES,
  ...ERROR_CODES,
  ...SUPERVISOR_ERROR_CODES,
  ...DAEMONKIT_ERROR_CODES,
};

describe('error codes', () => {
  it("are documented in the README's table, and the table documents no other", () => {
    expect(documentedCodes(join(ROOT, 'README.md'))).toEqual(REGISTRY);
  });

  it('are the codes the source names, less those of the libraries', () => {
    expect(codesInSource(join(ROOT, 'src')).filter((code) => !Object.hasOwn(LIBRARIES, code))).toEqual(REGISTRY);
  });

  it('are none of them a library code as well', () => {
    expect(REGISTRY.filter((code) => Object.hasOwn(LIBRARIES, code))).toEqual([]);
  });
});

describe('RunError', () => {
  it('is a DiprocdError with its code and its cause', () => {
    const cause = new Error('ENOENT');
    const error = new RunError('DPD_RUN_WORK_DIR', 'x', { cause });
    expect(error).toBeInstanceOf(DiprocdError);
    expect([error.name, error.code, error.cause]).toEqual(['RunError', 'DPD_RUN_WORK_DIR', cause]);
  });
});
