import { describe, expect, it } from 'vitest';
import { splitLines } from '@diprocd/procspec/runtime';

/** The lines `chunks` give, as text, and how often a line was too long. */
function split(chunks: string[], maxLine?: number, dropLong = false): { lines: string[]; tooLong: number } {
  const lines: string[] = [];
  let tooLong = 0;
  const splitter = splitLines(
    (line) => lines.push(line.toString('utf8')),
    maxLine,
    dropLong ? () => tooLong++ : undefined,
  );
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return { lines, tooLong };
}

describe('splitLines', () => {
  it('joins a line cut between chunks, keeps empty lines and passes a last line without a newline at end()', () => {
    expect(split(['a', 'b\n\nc', 'd\ne'])).toEqual({ lines: ['ab', '', 'cd', 'e'], tooLong: 0 });
  });

  it('keeps a UTF-8 character whole when a read splits it', () => {
    const bytes = Buffer.from('é\n');
    const lines: string[] = [];
    const splitter = splitLines((line) => lines.push(line.toString('utf8')));
    splitter.push(bytes.subarray(0, 1));
    splitter.push(bytes.subarray(1));
    expect(lines).toEqual(['é']);
  });

  it('passes a line over maxLine in pieces, or drops it whole with onTooLong', () => {
    expect(split(['abcdefg\nxy\n'], 3)).toEqual({ lines: ['abc', 'def', 'g', 'xy'], tooLong: 0 });
    expect(split(['abc', 'defg\nxy\n'], 3, true)).toEqual({ lines: ['xy'], tooLong: 1 });
  });
});
