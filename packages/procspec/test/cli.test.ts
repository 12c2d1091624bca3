import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KIND_TITLES, type FileKind, type Issue } from '@diprocd/procspec';
import { fixture, fixtureNames, readJson } from './helpers.js';

const REPO = join(fixture(), '..');

/** Runs the installed bin, as an operator would after `npm ci`. */
function dpdSpec(...args: string[]) {
  const run = spawnSync(join(REPO, 'node_modules', '.bin', 'dpd-spec'), args, {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 15_000,
  });
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

  it.each(fixtureNames('invalid'))('exits 1 on invalid/%s and prints its summary and each issue', (name) => {
    const file = `test-fixtures/invalid/${name}.json`;
    const run = dpdSpec('validate', file);
    expect(run.code).toBe(1);
    const { kind, issues } = readJson(fixture('invalid', 'expected', `${name}.json`)) as {
      kind: FileKind | null;
      issues: Issue[];
    };
    const errors = issues.filter((issue) => issue.severity === 'error').length;
    const warnings = issues.length - errors;
    const counts = [
      errors && `${errors} error${errors > 1 ? 's' : ''}`,
      warnings && `${warnings} warning${warnings > 1 ? 's' : ''}`,
    ]
      .filter(Boolean)
      .join(', ');
    const lines = [
      `${file}: invalid ${kind ? KIND_TITLES[kind] : 'file'} (${counts})`,
      ...issues.map(
        (issue) => `${file}${issue.path ? `:${issue.path}` : ''}: ${issue.severity}: ${issue.message} [${issue.code}]`,
      ),
    ];
    expect(run.stdout).toBe(`${lines.join('\n')}\n`);
  });

  it('prints every file of a run, in order', () => {
    const files = ['json-missing-comma', 'empty-name', 'bad-size', 'download-traversal'].map(
      (name) => `test-fixtures/invalid/${name}.json`,
    );
    const run = dpdSpec('validate', ...files, originals[0]!);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatchInlineSnapshot(`
      "test-fixtures/invalid/json-missing-comma.json: invalid file (1 error)
      test-fixtures/invalid/json-missing-comma.json: error: not valid JSON: expected a comma or ] (line 3, column 41) [DPD_SPEC_JSON]
      test-fixtures/invalid/empty-name.json: invalid worker file (2 errors)
      test-fixtures/invalid/empty-name.json:procs[0].name: error: expected a name of 1 to 128 characters, without "/", NUL or control characters, not starting with ".", found "" [DPD_SPEC_NAME]
      test-fixtures/invalid/empty-name.json:procs[1].name: error: expected a name of 1 to 128 characters, without "/", NUL or control characters, not starting with ".", found "a/b" [DPD_SPEC_NAME]
      test-fixtures/invalid/bad-size.json: invalid worker file (3 errors)
      test-fixtures/invalid/bad-size.json:procs[0].log_max_size: error: expected a size above 0 such as 1048576 or "512k", "10M", "1G", found "0k" [DPD_SPEC_SIZE]
      test-fixtures/invalid/bad-size.json:procs[1].log_max_size: error: expected a size of at most 2^50 bytes ("1048576G"), found "2000000G" [DPD_SPEC_SIZE]
      test-fixtures/invalid/bad-size.json:procs[2].log_max_size: error: expected a size above 0 such as 1048576 or "512k", "10M", "1G", found "10T" [DPD_SPEC_SIZE]
      test-fixtures/invalid/download-traversal.json: invalid job spec (3 errors)
      test-fixtures/invalid/download-traversal.json:download_urls[0]: error: expected a URL whose last path segment, %-decoded, is a file name (not "." or "..", without "/" or NUL), found "https://example.invalid/data/..%2F..%2Fetc%2Fpasswd" [DPD_SPEC_URL]
      test-fixtures/invalid/download-traversal.json:download_urls[1]: error: expected a URL whose last path segment, %-decoded, is a file name (not "." or "..", without "/" or NUL), found "https://example.invalid/data/a%00b" [DPD_SPEC_URL]
      test-fixtures/invalid/download-traversal.json:download_urls[2]: error: expected a URL whose last path segment, %-decoded, is a file name (not "." or "..", without "/" or NUL), found "https://example.invalid/data/%2e%2e" [DPD_SPEC_URL]
      test-fixtures/original/diprocd-client.example.json: valid client file
      "
    `);
  });

  it('exits 0 with warnings printed when only unknown keys are wrong', () => {
    const run = dpdSpec('validate', 'test-fixtures/warnings/unknown-keys.json');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe(
      'test-fixtures/warnings/unknown-keys.json:procs[0].restrat: warning: unknown key, ignored; did you mean "restart"? [DPD_SPEC_UNKNOWN_KEY]',
    );
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
          issues: [
            {
              severity: 'error',
              code: 'DPD_SPEC_SIGNAL',
              path: 'procs[0].stop_signal',
              message: 'expected a signal name such as "SIGTERM" or "TERM", found "SIGFOO"',
            },
          ],
        },
        { file: originals[0], kind: 'client', valid: true, readable: true, issues: [] },
      ],
    });
  });

  it('validates as the kind --kind names', () => {
    const run = dpdSpec('validate', '--kind', 'master', 'test-fixtures/original/diprocd-client.example.json');
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').slice(0, 2)).toEqual([
      'test-fixtures/original/diprocd-client.example.json: invalid master file (1 error, 2 warnings)',
      'test-fixtures/original/diprocd-client.example.json:nodes: error: required key is missing; expected an object of node name → process list [DPD_SPEC_REQUIRED]',
    ]);
  });

  it('exits 2 on an unreadable file, even beside invalid ones', () => {
    const run = dpdSpec('validate', 'test-fixtures/invalid/bad-signal.json', 'test-fixtures/no-such-file.json');
    expect(run.code).toBe(2);
    expect(run.stdout.split('\n').slice(2)).toEqual([
      'test-fixtures/no-such-file.json: unreadable',
      'test-fixtures/no-such-file.json: error: cannot read the file: no such file [DPD_SPEC_UNREADABLE]',
      '',
    ]);
  });

  it.each([[[]], [['validate']], [['validate', '--kind', 'bogus', 'x.json']], [['frobnicate']]])(
    'exits 2 on bad usage %j',
    (args) => {
      const run = dpdSpec(...args);
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).toContain('Usage:');
    },
  );

  it('says an unknown option in one line with the --help hint, exit 2', () => {
    expect(dpdSpec('validate', '--bogus', 'x.json')).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'dpd-spec: unknown option --bogus; see dpd-spec --help\n',
    });
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
    const run = spawnSync(
      process.execPath,
      ['-e', 'const p = require("@diprocd/procspec"); console.log(typeof p.validate, p.KINDS.join())'],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(run.stdout.trim()).toBe('function proc,worker,master,client,job');
  });

  it('has a runtime entry without the validator, sharing its error class with the main entry', () => {
    const script =
      'const a = require("@diprocd/procspec"), b = require("@diprocd/procspec/runtime"); process.stdout.write([a.DiprocdError === b.DiprocdError, typeof b.diffProcs, typeof b.validate].join(" "))';
    const run = spawnSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(run.stdout.trim()).toBe('true function undefined');
  });
});
