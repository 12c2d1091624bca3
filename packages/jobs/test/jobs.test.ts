// Jobs on a node: the job runner under a real Supervisor, real downloads
// from a local HTTP server, real files, real signals.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normaliseProc } from '@diprocd/procspec';
import { jobProc, listJobIds, readJobLogTail, readJobRecord, removeJobFiles } from '@diprocd/jobs';
import type { Supervisor } from '@diprocd/supervisor';
import { describe, expect, it } from 'vitest';
import { type Sandbox, alive, httpServerPerFile, waitFor } from './helpers.js';
import { jobBenchPerTest, type JobBench } from './job-helpers.js';

let box: Sandbox;
let sup: Supervisor;
let jobs: string;
let shared: string;
let submit: JobBench['submit'];
let finished: JobBench['finished'];
jobBenchPerTest((bench) => ({ box, sup, jobs, shared, submit, finished } = bench));

// Writes a minimal wheel (a module and its dist-info) to argv[1].
const WHEEL_MAKER = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('dpd_fixture.py', 'GREETING = "python from python_deps"\\n')
    z.writestr('dpd_fixture-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: dpd-fixture\\nVersion: 1.0\\n')
    z.writestr('dpd_fixture-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    z.writestr('dpd_fixture-1.0.dist-info/RECORD', '')
`;

const web = httpServerPerFile({ '/data.txt': 'served data\n' });

describe('the job runner', () => {
  it('runs a job in a fresh directory with its downloads and settings, succeeds, and removes the directory', async () => {
    const local = join(shared, 'local.txt');
    writeFileSync(local, 'from a file URL\n', { mode: 0o644 });
    const out = join(shared, 'seen.json');
    const script = `cat data.txt copy.txt; echo "$APP_SETTINGS_JSON" "$1"; node -e 'const s=require(process.env.APP_SETTINGS_JSON); require("fs").writeFileSync("${out}", JSON.stringify({cwd: process.cwd(), config: s.config, files: require("fs").readdirSync(".").sort()}))'`;
    await submit(
      '7',
      {
        cmd: ['/bin/sh', '-c', script, 'sh', '$APP_SETTINGS'],
        download_urls: { 'data.txt': `${web.base()}/data.txt`, 'copy.txt': pathToFileURL(local).href },
        config: { answer: 42 },
      },
      { fileDirs: [shared] },
    );
    const record = await finished('7');
    expect(record).toMatchObject({
      id: '7',
      state: 'success',
      code: 0,
      signal: null,
      reason: null,
      workdirRemoved: true,
    });
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    expect(seen).toEqual({
      cwd: record.workdir,
      config: { answer: 42 },
      files: ['copy.txt', 'data.txt', 'settings.json'],
    });
    expect(existsSync(record.workdir!)).toBe(false);
    const log = readJobLogTail(jobs, '7', 100_000);
    expect(log).toContain('served data\nfrom a file URL\n');
    // "$APP_SETTINGS" became the path; "$APP_SETTINGS_JSON" was left for the shell, which expanded it.
    expect(log).toContain(`\n${record.workdir}/settings.json ${record.workdir}/settings.json\n`);
  });

  it('names downloads of a URL list by their basename, and fails clearly on a download error', async () => {
    await submit('8', {
      cmd: 'ls > /dev/null',
      download_urls: [`${web.base()}/data.txt`, `${web.base()}/missing.bin`],
    });
    const record = await finished('8');
    expect(record).toMatchObject({ state: 'failed', code: null, workdirRemoved: true });
    expect(record.reason).toBe(`download missing.bin: ${web.base()}/missing.bin: HTTP 404 Not Found`);
    expect(readJobLogTail(jobs, '8', 10_000)).toContain(`download data.txt from ${web.base()}/data.txt`);
  });

  it('records a failing command with its exit code and log, and keeps the directory when asked', async () => {
    await submit('9', { cmd: 'echo about to fail; echo oops >&2; exit 3', keep_workdir_on_failure: true });
    const record = await finished('9');
    expect(record).toMatchObject({ state: 'failed', code: 3, reason: 'exited 3', workdirRemoved: false });
    expect(existsSync(record.workdir!)).toBe(true);
    rmSync(record.workdir!, { recursive: true, force: true });
    expect(readJobLogTail(jobs, '9', 10_000)).toMatch(/about to fail\noops\n/);
    expect(readJobLogTail(jobs, '9', 5)).toBe(readJobLogTail(jobs, '9', 10_000).slice(-5));
  });

  it('never runs a job twice: a second runner of the same job (a replay, a new worker) exits at once', async () => {
    const count = join(shared, 'count');
    await submit('10', { cmd: `echo run >> ${count}` });
    await finished('10');
    // A new supervisor (as after a worker restart) given the same list.
    await sup.close({ stopProcesses: true });
    const again = box.supervisor({ stateDir: box.path('state-again') });
    await again.apply([normaliseProc(jobProc(jobs, '10'))]);
    await waitFor('the second runner to end', () => again.status()[0]?.state === 'exited');
    expect(readFileSync(count, 'utf8')).toBe('run\n');
  });

  it('stops a job that runs past its timeout, and a cancel (stop) ends it as failed', async () => {
    await submit('11', { cmd: 'sleep 30', timeout: '300ms' });
    expect(await finished('11')).toMatchObject({
      state: 'failed',
      signal: 'SIGTERM',
      reason: 'timed out after 300 ms',
    });

    await submit('12', { cmd: 'sleep 30' });
    const running = await waitFor(
      'job 12 to run',
      () => readJobRecord(jobs, '12')?.state === 'running' && readJobRecord(jobs, '12')!,
    );
    await sup.apply([]);
    expect(await finished('12')).toMatchObject({ state: 'failed', reason: 'cancelled (SIGTERM)' });
    expect(alive(running.pid!)).toBe(false);
  });

  it('installs python_deps into a virtual environment and npm_deps into the directory, with their output in the log', async (context) => {
    if (spawnSync('python3', ['-m', 'venv', '--help']).status !== 0) {
      console.log('skipped: python3 -m venv is not available');
      context.skip();
    }
    // A wheel and an npm tarball made here, installed with the index and the registry turned off: no network.
    const wheel = join(shared, 'dpd_fixture-1.0-py3-none-any.whl');
    const made = spawnSync('python3', ['-c', WHEEL_MAKER, wheel], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    const pkg = box.path('tool');
    mkdirSync(pkg);
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'dpd-fixture-tool', version: '1.0.0', bin: { 'dpd-fixture-tool': 'cli.js' } }),
    );
    writeFileSync(join(pkg, 'cli.js'), '#!/usr/bin/env node\nconsole.log("tool from npm_deps");\n');
    const packed = spawnSync('npm', ['pack', '--silent', '--pack-destination', shared], {
      cwd: pkg,
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true' },
    });
    const tarball = join(shared, packed.stdout.trim());
    chmodSync(tarball, 0o644);
    await submit('14', {
      cmd: 'python -c "import dpd_fixture; print(dpd_fixture.GREETING)" && dpd-fixture-tool',
      python_deps: [wheel],
      npm_deps: [tarball],
      env: { PIP_NO_INDEX: '1', npm_config_offline: 'true' },
    });
    const record = await finished('14');
    const log = readJobLogTail(jobs, '14', 200_000);
    expect([record.state, record.reason], log).toEqual(['success', null]);
    expect(log).toMatch(/python_deps: python3 -m venv .*\/venv\n/);
    expect(log).toMatch(/Successfully installed dpd-fixture-1\.0/);
    expect(log).toContain('npm_deps: npm install --no-audit --no-fund --prefix');
    expect(log).toContain('python from python_deps\ntool from npm_deps\n');
  }, 120_000);

  it('lists and removes job files', async () => {
    await submit('13', { cmd: 'true' });
    await finished('13');
    expect(listJobIds(jobs)).toEqual(['13']);
    removeJobFiles(jobs, '13');
    expect([listJobIds(jobs), existsSync(join(jobs, '13.log'))]).toEqual([[], false]);
    expect(() => jobProc(jobs, '../x')).toThrow('job id "../x"');
  });
});
