// parseCommandLine: Node's parseArgs, with its errors in diprocd's words.
import { describe, expect, it } from 'vitest';
import { UsageError, parseCommandLine } from '@diprocd/procspec';

const options = {
  d: { type: 'string' },
  t: { type: 'boolean' },
  json: { type: 'boolean' },
  file: { type: 'string', short: 'f' },
} as const;
const said = (args: string[]) => {
  try {
    parseCommandLine({ args, options, allowPositionals: true });
    return 'parsed';
  } catch (error) {
    return [(error as UsageError).code, (error as UsageError).message, (error as UsageError).brief];
  }
};

describe('parseCommandLine', () => {
  it('names an option as it is written: -d for a letter, --file for a word', () => {
    expect(said(['-d'])).toEqual(['DPD_USAGE', 'option -d needs a value', true]);
    expect(said(['--file'])).toEqual(['DPD_USAGE', 'option --file needs a value', true]);
    expect(said(['--json=x'])).toEqual(['DPD_USAGE', 'option --json takes no value', true]);
    expect(said(['--bogus'])).toEqual(['DPD_USAGE', 'unknown option --bogus', true]);
  });

  // Regression: dpd-log declares its letters as option names, and Node took --d for -d without a word.
  it('takes an option of one letter as -d only, never --d', () => {
    expect(said(['-d', 'dir', '-t'])).toBe('parsed');
    expect(said(['--d', 'dir'])).toEqual(['DPD_USAGE', 'unknown option --d', true]);
    expect(said(['--t'])).toEqual(['DPD_USAGE', 'unknown option --t', true]);
  });

  it('gives what parseArgs gives, tokens only when asked', () => {
    const parsed = parseCommandLine({ args: ['-d', 'x', 'rest'], options, allowPositionals: true });
    expect(parsed).toEqual({ values: { d: 'x' }, positionals: ['rest'] });
    const withTokens = parseCommandLine({ args: ['-t'], options, tokens: true });
    expect(withTokens.tokens?.map((token) => token.kind)).toEqual(['option']);
  });
});
