// The control protocol's line reader: bounded and linear.
import { describe, expect, it } from 'vitest';
import { lineReader } from '@diprocd/daemonkit';

describe('lineReader', () => {
  it('reads a 6 MiB line that comes in 1 KiB pieces in linear time', () => {
    // Bug: each piece copied the whole line so far (quadratic): a 64 MiB line cost the worker 39 s of CPU.
    const lines: string[] = [];
    let tooLong = 0;
    const push = lineReader(
      (line) => lines.push(line),
      8 * 1024 * 1024,
      () => tooLong++,
    );
    const piece = Buffer.alloc(1024, 'x');
    const started = performance.now();
    for (let i = 0; i < 6 * 1024; i++) push(piece);
    push(Buffer.from('\n{"id":1}\n'));
    const ms = performance.now() - started;
    expect([lines.length, lines[0]!.length, lines[1], tooLong]).toEqual([2, 6 * 1024 * 1024, '{"id":1}', 0]);
    // Linear: tens of ms; the quadratic reader copied 18 GiB here (many seconds).
    expect(ms).toBeLessThan(2_000);
  });

  it('drops a line over the limit, says so once, and reads the next line whole', () => {
    const lines: string[] = [];
    let tooLong = 0;
    const push = lineReader(
      (line) => lines.push(line),
      10,
      () => tooLong++,
    );
    push(Buffer.from('0123456789\n0123'));
    push(Buffer.from('45678901234'));
    push(Buffer.from('56789\nabc'));
    push(Buffer.from('\n'));
    expect([lines, tooLong]).toEqual([['0123456789', 'abc'], 1]);
  });
});
