// The cluster example the README walks through loads without an issue.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkText, type FileKind } from '@diprocd/procspec';
import { describe, expect, it } from 'vitest';

const EXAMPLES = fileURLToPath(new URL('../../../test-fixtures/examples/cluster/', import.meta.url));

describe('test-fixtures/examples/cluster', () => {
  it.each([
    ['master', 'master.json'],
    ['client', 'client-node1.json'],
    ['client', 'client-node2.json'],
  ] as [FileKind, string][])('%s file %s is valid, without warnings', (kind, name) => {
    const checked = checkText(kind, name, readFileSync(`${EXAMPLES}${name}`, 'utf8'));
    expect(checked).toMatchObject({ ok: true, warnings: [] });
  });
});
