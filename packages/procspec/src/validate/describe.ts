// The words of messages: JSON paths, what was expected, what was found.
import { Kind, type TSchema } from '@sinclair/typebox';

export type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["procs", 1, "args"]` → `procs[1].args`; odd keys are quoted: `env["A-B"]`. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** A short rendering of a found value: strings and numbers verbatim, containers by kind. */
export function found(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

const ARTICLE_NOUN: Record<string, [string, string]> = {
  String: ['a string', 'strings'],
  Number: ['a number', 'numbers'],
  Integer: ['an integer', 'integers'],
  Boolean: ['true or false', 'booleans'],
  Object: ['an object', 'objects'],
  Record: ['an object', 'objects'],
  Array: ['an array', 'arrays'],
  Null: ['null', 'nulls'],
  Unknown: ['any value', 'values'],
};

/** What a schema expects, in words: its `x-expected` hint, or one built from its kind. */
export function expected(schema: TSchema): string {
  const hint = schema['x-expected'];
  if (typeof hint === 'string') return hint;
  const kind = schema[Kind] as string;
  if (kind === 'Literal') return JSON.stringify(schema.const);
  if (kind === 'Array') {
    const size = typeof schema.minItems === 'number' && schema.minItems > 0 ? 'a non-empty array' : 'an array';
    return `${size} of ${ARTICLE_NOUN[schema.items[Kind]]?.[1] ?? 'values'}`;
  }
  if (kind === 'Union') return (schema.anyOf as TSchema[]).map(expected).join(' or ');
  if (kind === 'String' && schema.minLength === 1) return 'a non-empty string';
  return ARTICLE_NOUN[kind]?.[0] ?? 'a valid value';
}
