import { describe, expect, it } from 'vitest';
import {
  MAX_DURATION_MS,
  MAX_SIZE_BYTES,
  formatDuration,
  parseDuration,
  parseSignal,
  parseSize,
} from '@diprocd/procspec';

describe('parseDuration', () => {
  it.each([
    [10, 10_000],
    [0.5, 500],
    ['10', 10_000],
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([-1, Number.NaN, Infinity, '', '10 secs', '1 minute', 's', '-5s', '10x', null, true, [], {}])(
    '%j is not a duration',
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );

  it('never rounds a duration above zero down to 0 ms', () => {
    expect([parseDuration(0.0001), parseDuration('0.1ms'), parseDuration(0), parseDuration('0s')]).toEqual([
      1, 1, 0, 0,
    ]);
  });

  it('gives nothing past 365 days, rather than Infinity', () => {
    // Regression: huge values parsed to Infinity, which formatDuration wrote as "Infinityms".
    expect(parseDuration('365d')).toBe(MAX_DURATION_MS);
    expect([parseDuration(1e308), parseDuration('366d'), parseDuration(`${'9'.repeat(400)}s`)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('formats back to a form that parses to the same value', () => {
    for (const ms of [0, 1, 999, 1000, 1500, 60_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});

describe('parseSize', () => {
  it.each([
    [1, 1],
    ['512', 512],
    ['512k', 524_288],
    ['10M', 10_485_760],
    ['10MiB', 10_485_760],
    ['1G', 1_073_741_824],
    ['100b', 100],
  ])('%j is %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each([0, -5, 1.5, '0', '0k', '00M', '10T', '1 M', 'M', '', 2 ** 50 + 1, '1048577G', '9'.repeat(400)])(
    '%j is not a size',
    (input) => {
      expect(parseSize(input)).toBeUndefined();
    },
  );

  it('goes up to 2^50 bytes', () => {
    expect([parseSize(2 ** 50), parseSize('1048576G')]).toEqual([MAX_SIZE_BYTES, MAX_SIZE_BYTES]);
  });
});

describe('parseSignal', () => {
  it('accepts names with and without SIG', () => {
    expect(parseSignal('TERM')).toBe('SIGTERM');
    expect(parseSignal('SIGHUP')).toBe('SIGHUP');
    expect(parseSignal('SIGFOO')).toBeUndefined();
    expect(parseSignal('sigterm')).toBeUndefined();
    expect(parseSignal(15)).toBeUndefined();
  });
});
