// visible(): a program's words, safe for an operator's terminal.
import { describe, expect, it } from 'vitest';
import { visible } from '@diprocd/procspec/runtime';

describe('visible', () => {
  it('writes every control character but tab as an escape, and leaves the rest as it is', () => {
    expect(visible('\u001b[1A\r\u001b[2Kweb\trunning\u0000\u007f\u009b é')).toBe(
      '\\x1b[1A\\x0d\\x1b[2Kweb\trunning\\x00\\x7f\\x9b é',
    );
  });
});
