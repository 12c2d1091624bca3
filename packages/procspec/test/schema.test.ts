import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { KINDS, detectKind, jsonSchema, type FileKind } from '@diprocd/procspec';
import { PACKAGE_ROOT, fixture, fixtureNames, readJson } from './helpers.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addKeyword('x-expected');
ajv.addKeyword('x-code');
ajv.addKeyword('x-key');

const committed = (kind: FileKind) => readFileSync(join(PACKAGE_ROOT, 'schema', `${kind}.schema.json`), 'utf8');
const compiled = new Map<FileKind, ReturnType<Ajv2020['compile']>>();
/** The committed schema of a kind, compiled once. */
const checker = (kind: FileKind) => {
  if (!compiled.has(kind)) compiled.set(kind, ajv.compile(JSON.parse(committed(kind))));
  return compiled.get(kind)!;
};


// Codes only the cross-key checks raise; JSON Schema cannot express them.
const CROSS_KEY_CODES = new Set(['DPD_SPEC_DUPLICATE_NAME', 'DPD_SPEC_DEPENDENCY', 'DPD_SPEC_DEPENDENCY_CYCLE', 'DPD_SPEC_LOAD_ORDER', 'DPD_SPEC_CONFLICT', 'DPD_SPEC_BACKOFF_ORDER', 'DPD_SPEC_JSON', 'DPD_SPEC_KIND']);

describe('the committed JSON Schemas', () => {
  it.each(KINDS)('%s.schema.json matches the source (else run: npm run schemas -w @diprocd/procspec)', (kind) => {
    expect(committed(kind)).toBe(`${JSON.stringify(jsonSchema(kind), null, 2)}\n`);
  });

  it.each(KINDS)('%s is a valid draft 2020-12 schema', (kind) => {
    expect(() => checker(kind)).not.toThrow();
  });

  it('accept the original example files', () => {
    for (const name of fixtureNames('original')) {
      const value = readJson(fixture('original', `${name}.json`));
      const check = checker(detectKind(value)!);
      expect(check(value), `${name}: ${JSON.stringify(check.errors)}`).toBe(true);
    }
  });

  it('reject each invalid fixture whose errors are structural', () => {
    for (const name of fixtureNames('invalid')) {
      const { kind, issues } = readJson(fixture('invalid', 'expected', `${name}.json`)) as { kind: FileKind | null; issues: { code: string }[] };
      if (kind === null || issues.every((issue) => CROSS_KEY_CODES.has(issue.code))) continue;
      const check = checker(kind);
      expect(check(readJson(fixture('invalid', `${name}.json`))), name).toBe(false);
    }
  });

  it('flag unknown keys for editors, where diprocd only warns', () => {
    const check = checker('worker');
    expect(check(readJson(fixture('warnings', 'unknown-keys.json')))).toBe(false);
    expect(check.errors?.map((e) => e.keyword)).toContain('additionalProperties');
  });
});
