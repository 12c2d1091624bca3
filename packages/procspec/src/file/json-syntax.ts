// Where and why a text is not JSON, for the message an operator reads.
// V8's JSON.parse often gives no position, and its message quotes the
// text, which may hold secrets; this finds the first error itself, with
// jsonc-parser's scanner for the tokens and its own stack for nesting, so
// no depth of nesting can overflow the call stack.
import { createScanner } from 'jsonc-parser';

/** The first syntax error of a text: its offset and what is wrong, in our words. */
export interface SyntaxProblem {
  offset: number;
  message: string;
}

// jsonc-parser's SyntaxKind and ScanError are `const enum`s, which an
// isolated-modules build cannot read from its typings: the values, as documented.
const T = {
  OpenBrace: 1,
  CloseBrace: 2,
  OpenBracket: 3,
  CloseBracket: 4,
  Comma: 5,
  Colon: 6,
  Null: 7,
  True: 8,
  False: 9,
  String: 10,
  Number: 11,
  LineComment: 12,
  BlockComment: 13,
  LineBreak: 14,
  Trivia: 15,
  Unknown: 16,
  EOF: 17,
} as const;

const SCAN_ERRORS: Record<number, string> = {
  1: 'a comment is not closed',
  2: 'a string is not closed on its line',
  3: 'a number is cut short',
  4: 'a \\u escape in a string needs four hex digits',
  5: 'a string has an escape JSON does not know (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)',
  6: 'a string holds a control character (write it as an escape such as \\t)',
};

/** What the parser waits for next; the words say what it expected. */
type Want =
  | 'value'
  | 'end'
  | 'first key' // just after {
  | 'key' // after a comma in an object
  | 'colon'
  | 'object comma' // after a value in an object
  | 'first item' // just after [
  | 'item' // after a comma in an array
  | 'array comma';

const EXPECTED: Record<Want, string> = {
  value: 'expected a value',
  end: 'expected the end of the file after the value',
  'first key': 'expected a property name in double quotes or }',
  key: 'expected a property name in double quotes',
  colon: 'expected a colon after the property name',
  'object comma': 'expected a comma or }',
  'first item': 'expected a value or ]',
  item: 'expected a value',
  'array comma': 'expected a comma or ]',
};

const VALUE_TOKENS = new Set<number>([T.Null, T.True, T.False, T.String, T.Number]);

/**
 * The first syntax error of `text` as strict JSON (no comments, no trailing
 * commas, nothing but a single value), or `undefined` when there is none.
 */
export function findSyntaxError(text: string): SyntaxProblem | undefined {
  const scanner = createScanner(text, false);
  // What each open container waits for after its current value.
  const open: ('object comma' | 'array comma')[] = [];
  let want: Want = 'value';
  // End of the last token: a missing comma or colon belongs there, not at the next token.
  let lastEnd = 0;
  const afterValue = (): Want => open[open.length - 1] ?? 'end';

  for (;;) {
    const token = scanner.scan();
    const offset = scanner.getTokenOffset();
    if (token === T.Trivia || token === T.LineBreak) continue;
    if (token === T.LineComment || token === T.BlockComment)
      return { offset, message: 'comments are not allowed in JSON' };
    const scanError = scanner.getTokenError();
    if (scanError !== 0) {
      if (scanError === 2 && scanner.getPosition() >= text.length)
        return { offset, message: 'unexpected end of file inside a string' };
      return { offset, message: SCAN_ERRORS[scanError] ?? 'unexpected character' };
    }
    if (token === T.EOF) {
      if (want === 'end') return undefined;
      return { offset, message: text.trim() === '' ? 'the file is empty' : 'unexpected end of file' };
    }
    const isValue = VALUE_TOKENS.has(token) || token === T.OpenBrace || token === T.OpenBracket;
    const startsValue = want === 'value' || want === 'first item' || want === 'item';

    if (startsValue && isValue) {
      if (token === T.OpenBrace) {
        open.push('object comma');
        want = 'first key';
      } else if (token === T.OpenBracket) {
        open.push('array comma');
        want = 'first item';
      } else want = afterValue();
    } else if (want === 'first item' && token === T.CloseBracket) {
      open.pop();
      want = afterValue();
    } else if ((want === 'first key' || want === 'key') && token === T.String) {
      want = 'colon';
    } else if (want === 'first key' && token === T.CloseBrace) {
      open.pop();
      want = afterValue();
    } else if (want === 'colon' && token === T.Colon) {
      want = 'value';
    } else if (want === 'object comma' && token === T.Comma) {
      want = 'key';
    } else if (want === 'array comma' && token === T.Comma) {
      want = 'item';
    } else if (
      (want === 'object comma' && token === T.CloseBrace) ||
      (want === 'array comma' && token === T.CloseBracket)
    ) {
      open.pop();
      want = afterValue();
    } else if ((want === 'key' && token === T.CloseBrace) || (want === 'item' && token === T.CloseBracket)) {
      return { offset, message: 'a comma is followed by nothing: JSON allows no trailing comma' };
    } else {
      const missingSeparator = want === 'colon' || want === 'object comma' || want === 'array comma';
      return { offset: missingSeparator ? lastEnd : offset, message: EXPECTED[want] };
    }
    lastEnd = offset + scanner.getTokenLength();
  }
}
