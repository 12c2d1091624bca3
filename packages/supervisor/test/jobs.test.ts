// Jobs on a node: the job runner under a real Supervisor, real downloads
// from a local HTTP server, real files, real signals.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normalise, normaliseProc, type JobInput } from '@diprocd/procspec';
import { jobProc, listJobIds, readJobLogTail, readJobRecord, removeJobFiles, writeJobSpec, type Supervisor } from '@diprocd/supervisor';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, alive, waitFor } from './helpers.js';

let box: Sandbox;
let sup: Supervisor;
let jobs: string;
beforeEach(() => {
  box = new Sandbox();
  sup = box.supervisor();
  jobs = box.path('jobs');
  mkdirSync(jobs);
});
afterEach(async () => {
  await box.cleanup();
});

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/data.txt') res.end('served data\n');
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Writes job `id` and has the supervisor run it. */
async function submit(id: string, input: JobInput) {
  writeJobSpec(jobs, id, normalise('job', input));
  await sup.apply([normaliseProc(jobProc(jobs, id))]);
}
const finished = (id: string) => waitFor(`job ${id} to finish`, () => {
  const record = readJobRecord(jobs, id);
  return (record?.state === 'success' || record?.state === 'failed') && record;
}, 15_000);

describe('the job runner', () => {
  it('runs a job in a fresh directory with its downloads and settings, succeeds, and removes the directory', async () => {
    const local = box.path('local.txt');
    writeFileSync(local, 'from a file URL\n');
    const out = box.path('seen.json');
    const script = `cat data.txt copy.txt; echo "$APP_SETTINGS_JSON" "$1"; node -e 'const s=require(process.env.APP_SETTINGS_JSON); require("fs").writeFileSync("${out}", JSON.stringify({cwd: process.cwd(), config: s.config, files: require("fs").readdirSync(".").sort()}))'`;
    await submit('7', {
      cmd: ['/bin/sh', '-c', script, 'sh', '$APP_SETTINGS'],
      download_urls: { 'data.txt': `${base}/data.txt`, 'copy.txt': pathToFileURL(local).href },
      config: { answer: 42 },
    });
    const record = await finished('7');
    expect(record).toMatchObject({ id: '7', state: 'success', code: 0, signal: null, reason: null, workdirRemoved: true });
    const seen = JSON.parse(readFileSync(out, 'utf8'));
    expect(seen).toEqual({ cwd: record.workdir, config: { answer: 42 }, files: ['copy.txt', 'data.txt', 'settings.json'] });
    expect(existsSync(record.workdir!)).toBe(false);
    const log = readJobLogTail(jobs, '7', 100_000);
    expect(log).toContain('served data\nfrom a file URL\n');
    // "$APP_SETTINGS" became the path; "$APP_SETTINGS_JSON" was left for the shell, which expanded it.
    expect(log).toContain(`\n${record.workdir}/settings.json ${record.workdir}/settings.json\n`);
  });

  it('names downloads of a URL list by their basename, and fails clearly on a download error', async () => {
    await submit('8', { cmd: 'ls > /dev/null', download_urls: [`${base}/data.txt`, `${base}/missing.bin`] });
    const record = await finished('8');
    expect(record).toMatchObject({ state: 'failed', code: null, workdirRemoved: true });
    expect(record.reason).toBe(`download missing.bin: ${base}/missing.bin: HTTP 404 Not Found`);
    expect(readJobLogTail(jobs, '8', 10_000)).toContain(`download data.txt from ${base}/data.txt`);
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
    const count = box.path('count');
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
    expect(await finished('11')).toMatchObject({ state: 'failed', signal: 'SIGTERM', reason: 'timed out after 300 ms' });

    await submit('12', { cmd: 'sleep 30' });
    const running = await waitFor('job 12 to run', () => readJobRecord(jobs, '12')?.state === 'running' && readJobRecord(jobs, '12')!);
    await sup.apply([]);
    expect(await finished('12')).toMatchObject({ state: 'failed', reason: 'cancelled (SIGTERM)' });
    expect(alive(running.pid!)).toBe(false);
  });

  it('lists and removes job files', async () => {
    await submit('13', { cmd: 'true' });
    await finished('13');
    expect(listJobIds(jobs)).toEqual(['13']);
    removeJobFiles(jobs, '13');
    expect([listJobIds(jobs), existsSync(join(jobs, '13.log'))]).toEqual([[], false]);
    expect(() => jobProc(jobs, '../x')).toThrow('job id "../x"');
  });
});
