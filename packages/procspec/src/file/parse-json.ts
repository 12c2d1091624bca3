import type { Issue } from '../errors.js';

export type JsonParse = { ok: true; value: unknown } | { ok: false; issue: Issue };

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** JSON.parse that reports a failure as an issue with line and column, never throws. */
export function parseJson(text: string): JsonParse {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    const reason = (error as Error).message;
    const position = /position (\d+)/.exec(reason);
    const offset = position ? Number(position[1]) : body.length;
    const { line, column } = lineColumn(body, offset);
    const what = body.trim() === '' ? 'the file is empty' : reason.replace(/ in JSON at position \d+.*$/, '');
    return {
      ok: false,
      issue: { severity: 'error', code: 'DPD_SPEC_JSON', path: '', message: `not valid JSON: ${what} (line ${line}, column ${column})` },
    };
  }
}
