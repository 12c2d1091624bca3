import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureNames, readJson } from './helpers.js';

const REPO = join(fixture(), '..');

/** Runs the installed bin, as an operator would after `npm ci`. */
function dpdSpec(...args: string[]) {
  const run = spawnSync(join(REPO, 'node_modules', '.bin', 'dpd-spec'), args, { cwd: REPO, encoding: 'utf8', timeout: 15_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const originals = fixtureNames('original').map((name) => `test-fixtures/original/${name}.json`);

describe('dpd-spec validate', () => {
  it('exits 0 on the original example files', () => {
    const run = dpdSpec('validate', ...originals);
    expect(run.stdout).toMatchInlineSnapshot(`
      "test-fixtures/original/diprocd-client.example.json: valid client file
      test-fixtures/original/diprocd-emptyworker.example.json: valid worker file
      test-fixtures/original/diprocd-master.example.json: valid master file
      test-fixtures/original/diprocd-worker.example.json: valid worker file
      "
    `);
    expect(run.code).toBe(0);
  });

  it.each(fixtureNames('invalid'))('exits 1 on invalid/%s and names each path', (name) => {
    const file = `test-fixtures/invalid/${name}.json`;
    const run = dpdSpec('validate', file);
    expect(run.code).toBe(1);
    const { issues } = readJson(fixture('invalid', 'expected', `${name}.json`)) as { issues: { path: string; message: string }[] };
    for (const issue of issues) {
      expect(run.stdout).toContain(`${issue.path ? `${file}:${issue.path}` : file}: error: ${issue.message}`);
    }
  });

  it('exits 0 with warnings printed when only unknown keys are wrong', () => {
    const run = dpdSpec('validate', 'test-fixtures/warnings/unknown-keys.json');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe('test-fixtures/warnings/unknown-keys.json:procs[0].restrat: warning: unknown key, ignored; did you mean "restart"? [DPD_SPEC_UNKNOWN_KEY]');
  });

  it('gives machines JSON with --json', () => {
    const run = dpdSpec('validate', '--json', 'test-fixtures/invalid/bad-signal.json', originals[0]!);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      files: [
        {
          file: 'test-fixtures/invalid/bad-signal.json',
          kind: 'worker',
          valid: false,
          readable: true,
          issues: [{ severity: 'error', code: 'DPD_SPEC_SIGNAL', path: 'procs[0].stop_signal', message: 'expected a signal name such as "SIGTERM" or "TERM", found "SIGFOO"' }],
        },
        { file: originals[0], kind: 'client', valid: true, readable: true, issues: [] },
      ],
    });
  });

  it('validates as the kind --kind names', () => {
    const run = dpdSpec('validate', '--kind', 'master', 'test-fixtures/original/diprocd-client.example.json');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('diprocd-client.example.json:nodes: error: required key is missing');
  });

  it('exits 2 on an unreadable file, even beside invalid ones', () => {
    const run = dpdSpec('validate', 'test-fixtures/invalid/bad-signal.json', 'test-fixtures/no-such-file.json');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('test-fixtures/no-such-file.json: error: cannot read the file: no such file [DPD_SPEC_UNREADABLE]');
  });

  it.each([[[]], [['validate']], [['validate', '--kind', 'bogus', 'x.json']], [['validate', '--bogus', 'x.json']], [['frobnicate']]])('exits 2 on bad usage %j', (args) => {
    const run = dpdSpec(...args);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('Usage:');
  });
});

describe('dpd-spec schema', () => {
  it('prints the schema of a kind', () => {
    const run = dpdSpec('schema', 'worker');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ $id: 'urn:diprocd:schema:worker', required: ['procs'] });
  });
});

describe('the package', () => {
  it('loads through require() as well as import', () => {
    const run = spawnSync(process.execPath, ['-e', 'const p = require("@diprocd/procspec"); console.log(typeof p.validate, p.KINDS.join())'], { cwd: REPO, encoding: 'utf8' });
    expect(run.stdout.trim()).toBe('function proc,worker,master,client,job');
  });
});
