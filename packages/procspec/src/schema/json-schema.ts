import { SCHEMAS, type FileKind } from '../model/files.js';

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The JSON Schema (draft 2020-12) of a kind of file, as committed under
 * `schema/<kind>.schema.json`. Editors use it for completion when a file
 * carries `"$schema"`. It flags unknown keys, which diprocd itself only warns
 * about; the `x-` keys are annotations that diprocd's validator reads.
 */
export function jsonSchema(kind: FileKind): Record<string, unknown> {
  // JSON round trip: drops TypeBox's symbol-keyed metadata, keeps the schema
  // (its title included: every file schema has one).
  const body = JSON.parse(JSON.stringify(SCHEMAS[kind])) as Record<string, unknown>;
  return { $schema: SCHEMA_DIALECT, $id: `urn:diprocd:schema:${kind}`, ...body };
}
