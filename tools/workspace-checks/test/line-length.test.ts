// No line of code over 120 characters: the width Prettier formats to
// (.prettierrc.json). Prettier leaves long strings and comments as they
// are, so this check holds those to the same width. Markdown is left out:
// its tables are one row a line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './published.js';

const LIMIT = 120;
const CODE = /\.(ts|mts|cts|js|mjs|cjs|json|c|h)$/;

/** Every tracked file of code, as git lists it (test fixtures are data, some of it invalid on purpose). */
function codeFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
  return tracked.filter((file) => CODE.test(file) && !file.startsWith('test-fixtures/') && file !== 'package-lock.json');
}

describe('line length', () => {
  it(`no tracked line of code is over ${LIMIT} characters`, () => {
    const long = codeFiles().flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, index) => (line.length > LIMIT ? [`${file}:${index + 1} (${line.length})`] : [])),
    );
    expect(long).toEqual([]);
  });

  it('would see a long line (the check is not vacuous)', () => {
    expect(codeFiles()).toContain('tools/workspace-checks/test/line-length.test.ts');
    expect(codeFiles().length).toBeGreaterThan(100);
  });
});
