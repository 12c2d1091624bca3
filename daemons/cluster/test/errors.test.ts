// The error codes dpd-masterd and dpd-clientd give are the ones their
// README documents, both ways: a code added in the source without its
// line in the table, or a line left for a code that is gone, fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every file under `dir`, recursively. */
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]));

describe('error codes', () => {
  it('are documented in the README\'s table, and the table documents no other', () => {
    // A code of our own is a quoted literal in the source (codes of procspec and daemonkit are theirs to document).
    const used = new Set(files(join(ROOT, 'src')).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'(DPD_[A-Z_]+)'/g)].map((match) => match[1]!)));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1));
    const documented = new Set([...table.matchAll(/^\| `(DPD_[A-Z_]+)` \|/gm)].map((match) => match[1]!));
    expect([...documented].sort()).toEqual([...used].sort());
  });
});
