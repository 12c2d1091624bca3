import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const FIXTURES = fileURLToPath(new URL('../../../test-fixtures/', import.meta.url));
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);
export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Names (without .json) of the fixtures in a folder of test-fixtures. */
export const fixtureNames = (folder: string): string[] =>
  readdirSync(fixture(folder))
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();

/** A minimal valid process definition, with overrides. */
export const proc = (overrides: Record<string, unknown> = {}) => ({ name: 'web', run: '/bin/sleep', ...overrides });
