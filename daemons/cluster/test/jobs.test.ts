// Jobs through the master's HTTP API, run on real nodes: real daemons,
// real HTTP (the API, and a download server the test starts), real files.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Cluster, clusterPerTest, alive, httpServerPerFile, waitFor, type ClusterNode, TOKEN } from './helpers.js';

let cluster: Cluster;
clusterPerTest((c) => (cluster = c));

const web = httpServerPerFile({ '/input.csv': 'a,b\n1,2\n' });

interface Job {
  id: string;
  node: string;
  state: string;
  code: number | null;
  reason: string | null;
  workdir: string | null;
}

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const response = await fetch(`${cluster.api}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text,
  };
}

const ended = (id: string, timeoutMs = 15_000) =>
  waitFor(
    `job ${id} to end`,
    async () => {
      const job = (await api('GET', `/api/procs/${id}/`)).body as Job;
      return (job.state === 'success' || job.state === 'failed') && job;
    },
    timeoutMs,
  );

/** A master with `nodes` (each a clientd + workerd pair), all alive. */
async function withNodes(...names: string[]): Promise<ClusterNode[]> {
  cluster.writeMaster(Object.fromEntries(names.map((name) => [name, []])), { api_token: TOKEN });
  await cluster.startMaster();
  const nodes = await Promise.all(names.map((name) => cluster.node(name).start()));
  await waitFor('every node alive', async () => {
    const hosts = (await api('GET', '/api/hosts/')).body as { liveness: string }[];
    return hosts.length === names.length && hosts.every((host) => host.liveness === 'alive');
  });
  return nodes;
}

describe('the jobs API', () => {
  it('refuses writes without the token (401), a bad spec with its issues (400), and a job with no live node (503)', async () => {
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN });
    await cluster.startMaster();
    expect(await api('POST', '/api/procs/', { cmd: 'true' }, null)).toMatchInlineSnapshot(`
      {
        "body": {
          "error": "this request needs an "Authorization: Bearer TOKEN" header",
        },
        "status": 401,
      }
    `);
    expect((await api('POST', '/api/procs/', { cmd: 'true' }, 'wrong-token-0123456789')).status).toBe(401);
    expect(await api('POST', '/api/procs/', { cmd: 7, download_urls: { 'a/b': 'ftp://x' } })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": "invalid job spec",
          "issues": [
            {
              "code": "DPD_SPEC_TYPE",
              "message": "expected a command string or a non-empty array of strings, found 7",
              "path": "cmd",
              "severity": "error",
            },
            {
              "code": "DPD_SPEC_VALUE",
              "message": "key not allowed here; expected a file name (not "." or "..", without "/" or NUL)",
              "path": "download_urls["a/b"]",
              "severity": "error",
            },
          ],
        },
        "status": 400,
      }
    `);
    expect(await api('POST', '/api/procs/', { cmd: 'true' })).toEqual({
      status: 503,
      body: { error: 'no live node to run the job: no node has sent a heartbeat recently' },
    });
    expect((await api('POST', '/api/procs/', 'not json')).status).toBe(400);
    expect((await api('GET', '/api/procs/')).body).toEqual({ total: 0, page: 1, per_page: 50, procs: [] });
  });

  it('runs a job with downloads from an HTTP server in a fresh directory that is gone afterwards', async () => {
    const [node1] = await withNodes('node1');
    const out = join(cluster.jobShared(), 'job-saw.txt');
    const submitted = await api('POST', '/api/procs/', {
      name: 'report',
      cmd: ['/bin/sh', '-c', `{ pwd; ls; cat input.csv; cat "$1"; } > ${out}`, 'sh', '$APP_SETTINGS'],
      download_urls: [`${web.base()}/input.csv`],
      config: { threshold: 3 },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ process: expect.stringMatching(/^\/api\/procs\/\d+\/$/), node: 'node1' });
    const job = await ended(submitted.body.id);
    expect(job).toMatchObject({ state: 'success', code: 0, node: 'node1' });
    const [cwd, ...rest] = readFileSync(out, 'utf8').split('\n');
    expect(cwd).toBe(job.workdir);
    expect(rest.slice(0, 4)).toEqual(['input.csv', 'settings.json', 'a,b', '1,2']);
    expect(JSON.parse(rest.slice(4).join('\n')).config).toEqual({ threshold: 3 });
    expect(existsSync(job.workdir!)).toBe(false);
    // Acknowledged: the node no longer runs or lists it.
    await waitFor('the job to leave the worker file', () => node1!.file().procs.length === 0);
  });

  it('ends a failing job as failed, with its log from the API', async () => {
    await withNodes('node1');
    const { body } = await api('POST', '/api/procs/', { cmd: 'echo working; echo broken >&2; exit 4' });
    const job = await ended(body.id);
    expect(job).toMatchObject({ state: 'failed', code: 4, reason: 'exited 4' });
    const log = await waitFor('the log', async () => {
      const got = await api('GET', `/api/procs/${body.id}/logfile/`);
      return got.status === 200 && (got.body as string);
    });
    expect(log).toMatch(
      /\] run: \/bin\/sh -c echo working; echo broken >&2; exit 4\nworking\nbroken\n.*\] failed: exited 4\n$/s,
    );
    // Bug: the failure log (a job's output may show its secrets) was served without the token.
    expect(await api('GET', `/api/procs/${body.id}/logfile/`, undefined, null)).toEqual({
      status: 401,
      body: { error: 'this request needs an "Authorization: Bearer TOKEN" header' },
    });
    expect((await api('GET', `/api/procs/${body.id}/logfile/`, undefined, 'wrong-token-0123456789')).status).toBe(401);
  });

  it('keeps a job running across a restart of the worker and still reports its result; the master keeps history across its own restart', async () => {
    const [node1] = await withNodes('node1');
    const flag = join(cluster.jobShared(), 'go');
    const { body } = await api('POST', '/api/procs/', {
      cmd: `while [ ! -e ${flag} ]; do sleep 0.05; done; echo finished`,
    });
    const running = await waitFor('the job to run', async () => {
      const job = (await api('GET', `/api/procs/${body.id}/`)).body as Job & { state: string };
      return job.state === 'running' && job;
    });
    const runner = node1!.pids()[`job.${body.id}`]!;
    await node1!.worker!.stop('SIGKILL');
    await node1!.startWorker();
    expect(node1!.worker!.seen('proc.adopted').map((e) => e.name)).toEqual([`job.${body.id}`]);
    expect(alive(runner)).toBe(true);
    writeFileSync(flag, '');
    expect(await ended(body.id)).toMatchObject({ state: 'success', workdir: running.workdir });

    await cluster.master!.stop();
    await cluster.startMaster();
    expect((await api('GET', `/api/procs/${body.id}/`)).body).toMatchObject({
      id: body.id,
      state: 'success',
      node: 'node1',
    });
    expect((await api('GET', '/api/procs/')).body).toMatchObject({ total: 1 });
  });

  it('keeps a job running across a restart of the client, runs it once, and still reports it', async () => {
    const [node1] = await withNodes('node1');
    const flag = join(cluster.jobShared(), 'go');
    const count = join(cluster.jobShared(), 'runs');
    const { body } = await api('POST', '/api/procs/', {
      cmd: `echo run >> ${count}; while [ ! -e ${flag} ]; do sleep 0.05; done`,
    });
    await waitFor(
      'the job to run',
      async () => ((await api('GET', `/api/procs/${body.id}/`)).body as Job).state === 'running',
    );
    await node1!.client!.stop('SIGKILL');
    await node1!.startClient();
    writeFileSync(flag, '');
    expect(await ended(body.id)).toMatchObject({ state: 'success' });
    expect(readFileSync(count, 'utf8')).toBe('run\n');
  });

  it('hides env values from reads, and keeps an ended job ended', async () => {
    cluster.writeMaster(
      { node1: [{ ...cluster.sleeper('a'), env: { DB_PASSWORD: 'hunter2' } }] },
      { api_token: TOKEN },
    );
    await cluster.startMaster();
    await cluster.node('node1').start();
    await waitFor(
      'node1 alive',
      async () => ((await api('GET', '/api/nodes/node1')).body as { liveness: string }).liveness === 'alive',
    );
    const node = (await api('GET', '/api/nodes/node1')).body;
    expect(node.desired[0].env).toEqual({ DB_PASSWORD: '(hidden)' });
    const { body } = await api('POST', '/api/procs/', { cmd: 'true', env: { API_KEY: 'secret' } });
    const job = await ended(body.id);
    expect([job.state, (job as unknown as { spec: { env: unknown } }).spec.env]).toEqual([
      'success',
      { API_KEY: '(hidden)' },
    ]);
    expect(JSON.stringify((await api('GET', '/api/procs/')).body)).not.toContain('secret');
    expect((await api('POST', `/api/procs/${body.id}/running/`)).status).toBe(409);
  });

  it('places jobs on the live node with the fewest running jobs, and cancels one on request', async () => {
    await withNodes('node1', 'node2');
    const long = { cmd: 'sleep 30' };
    const first = (await api('POST', '/api/procs/', long)).body;
    const second = (await api('POST', '/api/procs/', long)).body;
    expect([first.node, second.node].sort()).toEqual(['node1', 'node2']);
    const pinned = (await api('POST', '/api/procs/', { ...long, node: 'node1' })).body;
    expect(pinned.node).toBe('node1');
    expect((await api('POST', '/api/procs/', { ...long, node: 'node9' })).body).toEqual({
      error: 'node "node9" is not alive (never seen); the job was not queued',
    });

    for (const job of [first, second, pinned]) {
      await waitFor(
        `job ${job.id} to run`,
        async () => ((await api('GET', `/api/procs/${job.id}/`)).body as Job).state === 'running',
      );
      expect((await api('DELETE', `/api/procs/${job.id}/`)).status).toBe(202);
    }
    for (const job of [first, second, pinned])
      expect(await ended(job.id)).toMatchObject({ state: 'failed', reason: 'cancelled (SIGTERM)' });
    expect((await api('DELETE', `/api/procs/${first.id}/`, undefined)).status).toBe(409);
    const listed = (await api('GET', '/api/procs/?per_page=2')).body;
    expect([listed.total, listed.procs.map((job: Job) => job.id)]).toEqual([3, [pinned.id, second.id]]);
  });

  it("keeps the original's state and logfile routes", async () => {
    await withNodes('node1');
    const { body } = await api('POST', '/api/procs/', { cmd: 'sleep 30' });
    expect((await api('POST', `/api/procs/${body.id}/logfile/`, 'uploaded by hand\n')).status).toBe(201);
    expect((await api('GET', `/api/procs/${body.id}/logfile/`)).body).toBe('uploaded by hand\n');
    expect((await api('POST', `/api/procs/${body.id}/bogus/`)).status).toBe(400);
    expect((await api('POST', `/api/procs/${body.id}/failed/`)).body).toMatchObject({ state: 'failed' });
  });
});

describe('dpd-ctl job', () => {
  const CTL = fileURLToPath(new URL('../../worker/bin/dpd-ctl.js', import.meta.url));
  /** dpd-ctl against this cluster's master (bounded; async so the test's own HTTP server keeps serving). */
  const ctl = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CTL, '--master', cluster.api, ...args], {
        env: { ...process.env, DPD_API_TOKEN: TOKEN, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, ...out }));
    });

  it("submits and follows a job to its end, lists jobs, prints a failed job's log, and cancels", async () => {
    await withNodes('node1');
    const ok = join(cluster.dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ name: 'greet', cmd: 'echo hello' }));
    const followed = await ctl(['job', 'submit', ok, '--follow']);
    expect([followed.code, followed.stderr]).toEqual([0, '']);
    expect(followed.stdout.split('\n')[0]).toBe('job 1 submitted to node1');
    expect(followed.stdout.trim().split('\n').at(-1)).toBe('job 1 on node1: success (code 0)');

    const bad = join(cluster.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ cmd: 'echo broken; exit 2' }));
    const failed = await ctl(['job', 'submit', bad, '--node', 'node1', '--follow']);
    expect([failed.code, failed.stdout.trim().split('\n').at(-1)]).toEqual([1, 'job 2 on node1: failed (exited 2)']);
    const log = await waitFor('the log', async () => {
      const got = await ctl(['job', 'logs', '2']);
      return got.code === 0 && got.stdout;
    });
    expect(log).toContain('\nbroken\n');

    const listed = await ctl(['job', 'list']);
    expect(listed.stdout).toMatch(
      /^ID +NODE +STATE +RESULT +SUBMITTED +JOB\n2 +node1 +failed +exited 2 +\S+ +\/bin\/sh -c echo broken; exit 2\n1 +node1 +success +code 0 +\S+ +greet\n$/,
    );

    const slow = join(cluster.dir, 'slow.json');
    writeFileSync(slow, JSON.stringify({ cmd: 'sleep 30' }));
    expect((await ctl(['job', 'submit', slow])).stdout).toBe(`job 3 submitted to node1: ${cluster.api}/api/procs/3/\n`);
    const noToken = await ctl(['job', 'cancel', '3'], { DPD_API_TOKEN: '' });
    expect([noToken.code, noToken.stderr]).toEqual([
      1,
      `dpd-ctl: the master at ${cluster.api} answered DELETE /api/procs/3/ with 401: this request needs an "Authorization: Bearer TOKEN" header [DPD_MASTER_HTTP]\n`,
    ]);
    expect((await ctl(['job', 'cancel', '3'])).code).toBe(0);
    expect(await ended('3')).toMatchObject({ state: 'failed' });
  });

  it('reads the token from DPD_API_TOKEN or --token-file, and warns about --token on the command line', async () => {
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN });
    await cluster.startMaster();
    const file = join(cluster.dir, 'token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const notFound = `dpd-ctl: the master at ${cluster.api} answered GET /api/procs/9/logfile/ with 404: no job "9" [DPD_MASTER_HTTP]\n`;
    // 404, not 401: the token went with the request.
    expect(await ctl(['job', 'logs', '9'])).toEqual({ code: 1, stdout: '', stderr: notFound });
    expect(await ctl(['job', 'logs', '9', '--token-file', file], { DPD_API_TOKEN: '' })).toEqual({
      code: 1,
      stdout: '',
      stderr: notFound,
    });
    expect(await ctl(['job', 'logs', '9', '--token', TOKEN], { DPD_API_TOKEN: '' })).toEqual({
      code: 1,
      stdout: '',
      stderr: `dpd-ctl: warning: --token puts the API token on the command line, where every user of this host can read it (ps, /proc/PID/cmdline); use DPD_API_TOKEN or --token-file FILE\n${notFound}`,
    });
    expect((await ctl(['job', 'logs', '9'], { DPD_API_TOKEN: '' })).stderr).toContain(
      'with 401: this request needs an "Authorization: Bearer TOKEN" header',
    );
    expect(await ctl(['job', 'logs', '9', '--token-file', join(cluster.dir, 'missing')])).toMatchObject({
      code: 2,
      stderr: `dpd-ctl: --token-file ${join(cluster.dir, 'missing')}: cannot read it: ENOENT [DPD_TOKEN_FILE]\n`,
    });
  });
});
