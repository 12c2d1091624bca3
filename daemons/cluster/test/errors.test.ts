// The error codes dpd-masterd and dpd-clientd give are the ones their
// README documents, both ways: a code added in the source without its
// line in the table, or a line left for a code that is gone, fails here.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('error codes', () => {
  it("are documented in the README's table, and the table documents no other", () => {
    // A code of our own is a quoted literal in the source (codes of procspec and daemonkit are theirs to document).
    expect(documentedCodes(join(ROOT, 'README.md'))).toEqual(codesInSource(join(ROOT, 'src')));
  });
});
