import { SCHEMAS, type FileKind } from '../model/files.js';

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The JSON Schema (draft 2020-12) of a kind of file, as committed under
 * `schema/<kind>.schema.json`. Editors use it for completion when a file
 * carries `"$schema"`. It flags unknown keys, which diprocd itself only warns
 * about. Standard keywords only: the `x-` annotations diprocd's own
 * validator reads (its wording, codes and parsers) stay in the in-memory
 * schemas, so the published files compile in a strict validator (ajv's
 * strict mode) without declaring anything.
 */
export function jsonSchema(kind: FileKind): Record<string, unknown> {
  // JSON round trip: drops TypeBox's symbol-keyed metadata and our x- keys
  // (no key of a diprocd file begins with "x-"), keeps the schema, its title
  // included: every file schema has one.
  const body = JSON.parse(JSON.stringify(SCHEMAS[kind]), (key, value: unknown) =>
    key.startsWith('x-') ? undefined : value,
  ) as Record<string, unknown>;
  return { $schema: SCHEMA_DIALECT, $id: `urn:diprocd:schema:${kind}`, ...body };
}
