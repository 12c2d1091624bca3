import { describe, expect, it } from 'vitest';
import { ISSUE_CODES, validateFile } from '@diprocd/procspec';
import { fixture, fixtureNames, readJson } from './helpers.js';

describe('the original diprocd example files', () => {
  const originals = fixtureNames('original');

  it('are all here', () => {
    expect(originals).toEqual([
      'diprocd-client.example',
      'diprocd-emptyworker.example',
      'diprocd-master.example',
      'diprocd-worker.example',
    ]);
  });

  it.each(originals)('%s loads unchanged, without a single issue', async (name) => {
    const report = await validateFile(fixture('original', `${name}.json`));
    expect(report.issues).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('keep their meaning once normalised', async () => {
    const worker = (await validateFile(fixture('original', 'diprocd-worker.example.json'), { kind: 'worker' })).value!;
    const echo = worker.procs[0]!;
    expect(echo).toMatchObject({
      name: 'echo.worker.1',
      run: '/bin/echo',
      args: ['foo'],
      user: 'nobody',
      cwd: '/',
      chroot: null,
      restart: 'always',
      write_pid: true,
      pid_file: '/tmp/echo.pid',
      logs: '/tmp/echo.log',
    });
    const master = (await validateFile(fixture('original', 'diprocd-master.example.json'), { kind: 'master' })).value!;
    expect(Object.keys(master.nodes)).toEqual(['node1', 'node2']);
  });
});

describe('invalid fixtures, one per error class', () => {
  it.each(fixtureNames('invalid'))('%s reports exactly its expected issues', async (name) => {
    const report = await validateFile(fixture('invalid', `${name}.json`));
    const expected = readJson(fixture('invalid', 'expected', `${name}.json`)) as {
      kind: string | null;
      issues: unknown[];
    };
    expect(report.valid).toBe(false);
    expect(report.kind ?? null).toBe(expected.kind);
    expect(report.issues).toEqual(expected.issues);
  });

  it('cover every issue code validation can raise', async () => {
    const codes = new Set<string>();
    for (const name of fixtureNames('invalid')) {
      const { issues } = readJson(fixture('invalid', 'expected', `${name}.json`)) as { issues: { code: string }[] };
      for (const issue of issues) codes.add(issue.code);
    }
    // Unknown keys are warnings (see warnings/); an unreadable file cannot be a fixture.
    const raisable = Object.keys(ISSUE_CODES).filter(
      (code) => code !== 'DPD_SPEC_UNKNOWN_KEY' && code !== 'DPD_SPEC_UNREADABLE',
    );
    expect([...codes].sort()).toEqual(raisable.sort());
  });
});

describe('a file with only unknown keys', () => {
  it('is valid and warns about each key', async () => {
    const report = await validateFile(fixture('warnings', 'unknown-keys.json'));
    expect(report.valid).toBe(true);
    expect(report.issues.map((i) => [i.severity, i.path])).toEqual([
      ['warning', 'procs[0].restrat'],
      ['warning', 'procs[0].colour'],
      ['warning', 'stop_on_exti'],
    ]);
  });
});
