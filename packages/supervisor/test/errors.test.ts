import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPERVISOR_ERROR_CODES } from '@diprocd/supervisor';

describe('error codes', () => {
  it('are documented in the README, and the README documents no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Error codes'));
    const documented = [...new Set(table.match(/`DPD_[A-Z_]+`/g)?.map((code) => code.slice(1, -1)))].sort();
    expect(documented).toEqual(Object.keys(SUPERVISOR_ERROR_CODES).sort());
  });
});
