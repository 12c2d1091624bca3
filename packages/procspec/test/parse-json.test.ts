import { describe, expect, it } from 'vitest';
import { parseJson } from '@diprocd/procspec';

/** The message of a text that does not parse. */
const error = (text: string): string => {
  const parsed = parseJson(text);
  if (parsed.ok) throw new Error('parsed');
  return parsed.issue.message;
};

describe('parseJson', () => {
  it('parses JSON, with or without a byte order mark', () => {
    expect(parseJson('{"a": [1]}')).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJson('\ufeff[]')).toEqual({ ok: true, value: [] });
  });

  it('says in one line, in its own words, where and why a text is not JSON', () => {
    const cases = [
      '',
      '  \n',
      '{"procs": [\n',
      '{"a": 1\n "b": 2}',
      '[1 2]',
      '{"a" 1}',
      '{"a": 1,}',
      '[1,]',
      '{a: 1}',
      "{'a': 1}",
      '{"a": undefined}',
      '{"a": 1} // note',
      '{"a": 1} x',
      '{"a": "tab\there"}',
      '{"a": "\\q"}',
      '{"a": "\\u12"}',
      '{"a": "no end\n"}',
      '{"a": "no end',
      '{"a": 1.}',
      '{"a": 1}\u00a0',
      '[01]',
    ];
    expect(cases.map((text) => `${JSON.stringify(text)} → ${error(text)}`)).toMatchInlineSnapshot(`
      [
        """ → not valid JSON: the file is empty (line 1, column 1)",
        ""  \\n" → not valid JSON: the file is empty (line 2, column 1)",
        ""{\\"procs\\": [\\n" → not valid JSON: unexpected end of file (line 2, column 1)",
        ""{\\"a\\": 1\\n \\"b\\": 2}" → not valid JSON: expected a comma or } (line 1, column 8)",
        ""[1 2]" → not valid JSON: expected a comma or ] (line 1, column 3)",
        ""{\\"a\\" 1}" → not valid JSON: expected a colon after the property name (line 1, column 5)",
        ""{\\"a\\": 1,}" → not valid JSON: a comma is followed by nothing: JSON allows no trailing comma (line 1, column 9)",
        ""[1,]" → not valid JSON: a comma is followed by nothing: JSON allows no trailing comma (line 1, column 4)",
        ""{a: 1}" → not valid JSON: expected a property name in double quotes or } (line 1, column 2)",
        ""{'a': 1}" → not valid JSON: expected a property name in double quotes or } (line 1, column 2)",
        ""{\\"a\\": undefined}" → not valid JSON: expected a value (line 1, column 7)",
        ""{\\"a\\": 1} // note" → not valid JSON: comments are not allowed in JSON (line 1, column 10)",
        ""{\\"a\\": 1} x" → not valid JSON: expected the end of the file after the value (line 1, column 10)",
        ""{\\"a\\": \\"tab\\there\\"}" → not valid JSON: a string holds a control character (write it as an escape such as \\t) (line 1, column 7)",
        ""{\\"a\\": \\"\\\\q\\"}" → not valid JSON: a string has an escape JSON does not know (use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX) (line 1, column 7)",
        ""{\\"a\\": \\"\\\\u12\\"}" → not valid JSON: a \\u escape in a string needs four hex digits (line 1, column 7)",
        ""{\\"a\\": \\"no end\\n\\"}" → not valid JSON: a string is not closed on its line (line 1, column 7)",
        ""{\\"a\\": \\"no end" → not valid JSON: unexpected end of file inside a string (line 1, column 7)",
        ""{\\"a\\": 1.}" → not valid JSON: a number is cut short (line 1, column 7)",
        ""{\\"a\\": 1} " → not valid JSON: expected the end of the file after the value (line 1, column 9)",
        ""[01]" → not valid JSON: expected a comma or ] (line 1, column 3)",
      ]
    `);
  });

  it('points at the end of line 3 for a comma missing there', () => {
    const text =
      '{\n  "procs": [\n    {"name": "web", "run": "/bin/sleep"}\n    {"name": "db", "run": "/bin/sleep"}\n  ]\n}\n';
    expect(error(text)).toBe('not valid JSON: expected a comma or ] (line 3, column 41)');
  });

  it('never echoes the text, which may hold secrets', () => {
    // Regression: V8's message quotes the source ("...SMTP_PASSWD": "hunter2"... is not valid JSON).
    const text = '{"env": {"SMTP_PASSWD": "hunter2" "X": 1}}';
    expect(error(text)).toBe('not valid JSON: expected a comma or } (line 1, column 34)');
    expect(error('{"env": {"SMTP_PASSWD": hunter2}}')).not.toContain('hunter2');
  });

  it('does not overflow the stack on deeply nested broken text', () => {
    // Regression: a recursive parser would throw RangeError here.
    const text = `${'['.repeat(100_000)}1${']'.repeat(99_999)}`;
    expect(error(text)).toBe(`not valid JSON: unexpected end of file (line 1, column ${text.length + 1})`);
  });
});
