// dpd-run's option parsing: DMon's letters, long names, -C files and DMON_OPTIONS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandArgs, parseRunArgs, splitWords, type RunArgs } from '../../src/run/args.js';

const parse = (...words: string[]) => parseRunArgs(words) as RunArgs;

describe('parseRunArgs', () => {
  it('takes grouped flags, inline values and long names, and stops at the command', () => {
    const args = parse(
      '-nse',
      '-t5m',
      '--interval=90s',
      '-m',
      '3',
      '-r',
      'files=64',
      '-r',
      'as=2g',
      '-u',
      'app:app:adm',
      'cmd',
      '-x',
      '--',
      'log',
      '-y',
    );
    expect(args).toMatchObject({
      foreground: true,
      cmdSignals: true,
      stderrToLog: true,
      timeoutMs: 300_000,
      intervalMs: 90_000,
      maxRespawns: 3,
      command: ['cmd', '-x'],
      logCommand: ['log', '-y'],
    });
    expect(args.rlimits).toEqual({ nofile: 64, as: 2 * 1024 ** 3 });
    expect(args.cmdUser).toEqual({ user: 'app', groups: ['app', 'adm'] });
  });

  it('reads durations in seconds or with s m h d w', () => {
    expect(['30', '1.5', '2h', '1d', '1w'].map((t) => parse('-t', t, 'x').timeoutMs)).toEqual([
      30_000, 1_500, 7_200_000, 86_400_000, 604_800_000,
    ]);
  });

  it('takes --load-source file:PATH besides the built-in sources', () => {
    expect(parse('-L', '2', '--load-source', 'file:/run/load', 'x')).toMatchObject({
      loadHigh: 2,
      loadFile: '/run/load',
      loadSource: 'loadavg1',
    });
    expect(() => parse('--load-source', 'file:', 'x')).toThrow('expected loadavg1, psi-cpu or file:PATH');
  });

  it('refuses contradictions with a reason', () => {
    expect(() => parse('-1', '-i', '5', 'x')).toThrow('-i and -1 cannot be used together');
    expect(() => parse('-l', '1', 'x')).toThrow('-l needs -L');
    expect(() => parse('-L', '1', '-l', '2', 'x')).toThrow('-l 2 must be at most -L 1');
    expect(() => parse('-U', 'log', 'x')).toThrow('-U needs a log command');
    expect(() => parse('-q', 'x')).toThrow('unknown option -q');
    expect(() => parse('-n')).toThrow('expected a command to run');
  });
});

describe('expandArgs', () => {
  it('puts the -C file first, then DMON_OPTIONS, then the rest of argv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpd-run-args-'));
    try {
      const file = join(dir, 'opts');
      writeFileSync(file, 'once # retry until it works\ntimeout 5m\nenviron "A=b c"\n');
      expect(expandArgs(['-C', file, '-n', 'cmd'], { DMON_OPTIONS: "-e -I '/tmp/st x'" })).toEqual([
        '--once',
        '--timeout',
        '5m',
        '--environ',
        'A=b c',
        '-e',
        '-I',
        '/tmp/st x',
        '-n',
        'cmd',
      ]);
      writeFileSync(file, 'bogus 1\n');
      expect(() => expandArgs(['-C', file, 'cmd'], {})).toThrow('no such option "bogus"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('splits words like a shell for plain words and quotes', () => {
    expect(splitWords(`a "b c" 'd e' "f\\"g"`)).toEqual(['a', 'b c', 'd e', 'f"g']);
  });
});
