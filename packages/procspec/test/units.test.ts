import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSignal, parseSize } from '@diprocd/procspec';

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

  it.each([-1, Number.NaN, Infinity, '', '10 secs', '1 minute', 's', '-5s', '10x', null, true, [], {}])('%j is not a duration', (input) => {
    expect(parseDuration(input)).toBeUndefined();
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

  it.each([0, -5, 1.5, '0', '10T', '1 M', 'M', ''])('%j is not a size', (input) => {
    expect(parseSize(input)).toBeUndefined();
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
