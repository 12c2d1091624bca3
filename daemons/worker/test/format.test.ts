// dpd-ctl status's REASON cell. Regression: a program's last log line went to the operator's terminal as it was, so
// `\033[1A\r\033[2K…` moved the cursor up and wrote a made-up row over another program's.
import { describe, expect, it } from 'vitest';
import { formatReason } from '../src/ctl/format.js';

describe('formatReason', () => {
  it("says why a process failed and its log's line, with control characters escaped", () => {
    const lastExit = {
      code: 1,
      signal: null,
      timedOut: false,
      at: 0,
      tail: ['\u001b[1A\r\u001b[2Kweb   running  4242'],
    };
    expect(formatReason({ state: 'failed', reason: 'exited with code 1', lastExit })).toBe(
      'exited with code 1; log: \\x1b[1A\\x0d\\x1b[2Kweb   running  4242',
    );
  });

  it('says only the reason for a process that is not down for a failure', () => {
    expect(formatReason({ state: 'stopped', reason: null, lastExit: null })).toBe('');
    expect(formatReason({ state: 'spawn-failed', reason: 'run /x: ENOENT', lastExit: null })).toBe('run /x: ENOENT');
  });
});
