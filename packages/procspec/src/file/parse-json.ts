import type { Issue } from '../errors.js';
import { findSyntaxError } from './json-syntax.js';

export type JsonParse = { ok: true; value: unknown } | { ok: false; issue: Issue };

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * JSON.parse that reports a failure as an issue with line and column, never
 * throws. The message is one line in our words and never quotes the text,
 * which may hold secrets (environment values, passwords in URLs).
 */
export function parseJson(text: string): JsonParse {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    // Our own finder agrees with JSON.parse on what JSON is; should it ever
    // not, the end of the file is the honest fallback position.
    const problem = findSyntaxError(body) ?? { offset: body.length, message: 'not a single JSON value' };
    const { line, column } = lineColumn(body, problem.offset);
    return {
      ok: false,
      issue: {
        severity: 'error',
        code: 'DPD_SPEC_JSON',
        path: '',
        message: `not valid JSON: ${problem.message} (line ${line}, column ${column})`,
      },
    };
  }
}
