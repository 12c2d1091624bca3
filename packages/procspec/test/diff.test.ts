import { describe, expect, it } from 'vitest';
import { diffProcs, normaliseProc } from '@diprocd/procspec';
import { proc } from './helpers.js';

const names = (procs: { name: string }[]) => procs.map((p) => p.name);

describe('diffProcs', () => {
  it('sorts names into start, stop, restart and unchanged', () => {
    const before = [proc({ name: 'a' }), proc({ name: 'b' }), proc({ name: 'c', args: ['1'] })].map(normaliseProc);
    const after = [proc({ name: 'b' }), proc({ name: 'c', args: ['2'] }), proc({ name: 'd' })].map(normaliseProc);
    const diff = diffProcs(before, after);
    expect({
      start: names(diff.start),
      stop: names(diff.stop),
      restart: names(diff.restart),
      unchanged: names(diff.unchanged),
    }).toEqual({
      start: ['d'],
      stop: ['a'],
      restart: ['c'],
      unchanged: ['b'],
    });
    expect(diff.restart[0]?.args).toEqual(['2']);
  });

  it('treats a change that normalises the same as unchanged', () => {
    const before = [proc({ restart: true, stop_timeout: 60, cwd: '.', stop_signal: 'TERM' })].map(normaliseProc);
    const after = [proc({ restart: 'always', stop_timeout: '1m', cwd: '/', stop_signal: 'SIGTERM' })].map(
      normaliseProc,
    );
    expect(diffProcs(before, after).unchanged).toHaveLength(1);
    expect(diffProcs(before, after).restart).toHaveLength(0);
  });

  it('does not care about the order of the list', () => {
    const list = [proc({ name: 'a' }), proc({ name: 'b' })].map(normaliseProc);
    const diff = diffProcs(list, [...list].reverse());
    expect(names(diff.unchanged)).toEqual(['b', 'a']);
    expect(diff.start.length + diff.stop.length + diff.restart.length).toBe(0);
  });
});
