// The error codes dpd-workerd and dpd-ctl give are one registry
// (src/errors.ts), documented in the README's table, and every code the
// source names is in it (or is another package's): a code added without
// its registry entry or its line in the table, or one left behind, fails here.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DAEMONKIT_ERROR_CODES } from '@diprocd/daemonkit';
import { DiprocdError, ERROR_CODES, ISSUE_CODES } from '@diprocd/procspec';
import { SUPERVISOR_ERROR_CODES } from '@diprocd/supervisor';
import { TRANSPORT_ERROR_CODES } from '@diprocd/transport';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';
import { CtlError, WORKER_ERROR_CODES } from '../src/errors.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTRY = Object.keys(WORKER_ERROR_CODES).sort();
/** The codes of the libraries the daemons use: theirs to document. */
const LIBRARIES = {
  ...ISSUE_CODES,
  ...ERROR_CODES,
  ...SUPERVISOR_ERROR_CODES,
  ...TRANSPORT_ERROR_CODES,
  ...DAEMONKIT_ERROR_CODES,
};
// Names of environment variables the source quotes (for messages): not codes.
const ENVIRONMENT = new Set(['DPD_MASTER']);

describe('error codes', () => {
  it("are documented in the README's table, and the table documents no other", () => {
    expect(documentedCodes(join(ROOT, 'README.md'))).toEqual(REGISTRY);
  });

  it('are the codes the source names, less those of the libraries', () => {
    expect(
      codesInSource(join(ROOT, 'src')).filter((code) => !Object.hasOwn(LIBRARIES, code) && !ENVIRONMENT.has(code)),
    ).toEqual(REGISTRY);
  });

  it('are none of them a library code as well', () => {
    expect(REGISTRY.filter((code) => Object.hasOwn(LIBRARIES, code))).toEqual([]);
  });
});

describe('CtlError', () => {
  it('is a DiprocdError with its code, its exit status (1 unless said) and its cause', () => {
    const cause = new Error('EACCES');
    const error = new CtlError('DPD_TOKEN_FILE', 'x', { exitCode: 2, cause });
    expect(error).toBeInstanceOf(DiprocdError);
    expect([error.name, error.code, error.exitCode, error.cause]).toEqual(['CtlError', 'DPD_TOKEN_FILE', 2, cause]);
    expect(new CtlError('DPD_NO_LOG', 'y').exitCode).toBe(1);
  });
});
