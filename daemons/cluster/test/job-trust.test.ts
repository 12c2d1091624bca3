// Jobs run as an unprivileged user and read only what they may (issue 14,
// part 3), through the real master, client and worker on loopback: the
// master decides which users a job may ask for, the node who a job that
// asks for none runs as, where file:// may read and how much it may fetch;
// every read of a job hides its secrets.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Cluster, clusterPerTest, httpServerPerFile, waitFor, TOKEN } from './helpers.js';

let cluster: Cluster;
clusterPerTest((c) => (cluster = c));

const ROOT = process.getuid!() === 0;
const needsRoot = (context: { skip: () => void }) => {
  if (ROOT) return;
  console.log(
    'skipped: a node switches a job to another user only as root (the supervisor package tests the unprivileged runner)',
  );
  context.skip();
};

const web = httpServerPerFile({ '/data.bin': Buffer.alloc(4_096, 7) });

const api = (method: string, path: string, body?: unknown, token: string | undefined = TOKEN) =>
  cluster.call(method, path, body, token);

const ended = (id: string) =>
  waitFor(
    `job ${id} to end`,
    async () => {
      const job = (await api('GET', `/api/procs/${id}/`)).body as {
        state: string;
        reason: string | null;
        code: number | null;
      };
      return (job.state === 'success' || job.state === 'failed') && job;
    },
    15_000,
  );

/** A master (with `extra` keys) and node1, alive; `client` adds keys to node1's client file. */
async function withNode(extra: Record<string, unknown> = {}, client: Record<string, unknown> = {}) {
  cluster.writeMaster({ node1: [] }, { api_token: TOKEN, ...extra });
  await cluster.startMaster();
  await cluster.node('node1', client).start();
  await waitFor(
    'node1 alive',
    async () => ((await api('GET', '/api/nodes/node1')).body as { liveness: string }).liveness === 'alive',
  );
}

const CAP_EFF = "grep -E '^(Uid|CapEff):' /proc/self/status";

describe('which user a job runs as', () => {
  it('refuses at submit a job that asks for root, or for a user the master file does not list, naming the field and why', async () => {
    await withNode({ job_users: ['nobody'] });
    expect(await api('POST', '/api/procs/', { cmd: 'id', user: 'root' })).toMatchInlineSnapshot(`
      {
        "body": {
          "error": "job refused",
          "issues": [
            {
              "code": "DPD_JOB_USER",
              "message": "a job runs as root only when the master file sets jobs_allow_root; found "root"",
              "path": "user",
              "severity": "error",
            },
          ],
        },
        "status": 403,
      }
    `);
    expect((await api('POST', '/api/procs/', { cmd: 'id', user: 0 })).status).toBe(403);
    expect((await api('POST', '/api/procs/', { cmd: 'id', user: 'daemon' })).body.issues[0].message).toBe(
      'expected a user the master file\'s job_users lists ("nobody"), or no user (the node\'s job_user); found "daemon"',
    );
    // Nothing refused was queued.
    expect((await api('GET', '/api/procs/')).body.total).toBe(0);
  });

  it('runs a job as nobody by default, without capabilities; as a listed user; and as root only once the master file allows it', async (context) => {
    needsRoot(context);
    await withNode({ job_users: ['nobody'] });
    const shared = cluster.jobShared();
    const submit = async (name: string, extra: Record<string, unknown> = {}) => {
      const { status, body } = await api('POST', '/api/procs/', {
        cmd: `${CAP_EFF} > ${join(shared, name)}`,
        ...extra,
      });
      expect(status, JSON.stringify(body)).toBe(201);
      expect(await ended(body.id)).toMatchObject({ state: 'success' });
      return Object.fromEntries(
        readFileSync(join(shared, name), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(/:\s*/)),
      );
    };
    const nobodyUid = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('nobody:'))!
      .split(':')[2];
    // Bug: jobs ran as root (CapEff 000001fffeffffff).
    expect(await submit('default')).toEqual({
      Uid: `${nobodyUid}\t${nobodyUid}\t${nobodyUid}\t${nobodyUid}`,
      CapEff: '0000000000000000',
    });
    expect((await submit('listed', { user: 'nobody' })).CapEff).toBe('0000000000000000');
    // The rule is read again with the master file.
    const reloads = cluster.master!.seen('file.reload').length;
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN, job_users: ['nobody'], jobs_allow_root: true });
    await waitFor('the master to read its file again', () => cluster.master!.seen('file.reload').length > reloads);
    expect((await submit('root', { user: 'root' })).CapEff).not.toBe('0000000000000000');
  });

  it("runs a job as the client file's job_user, and the client refuses root as that default", async (context) => {
    needsRoot(context);
    await withNode({}, { job_user: 'daemon' });
    const shared = cluster.jobShared();
    const { body } = await api('POST', '/api/procs/', { cmd: `id -un > ${join(shared, 'who')}` });
    expect(await ended(body.id)).toMatchObject({ state: 'success' });
    expect(readFileSync(join(shared, 'who'), 'utf8')).toBe('daemon\n');
    const node2 = cluster.node('node2', { job_user: 'root' });
    await expect(node2.startClient()).rejects.toThrow(/job_user.*expected a user other than root/);
  });
});

describe('what a job may read', () => {
  // Bug: file:///etc/shadow was copied into the job dir, and its failure log served with no token.
  it('refuses file:// on a node that allows no directories; the failure log needs the token and holds nothing of the file', async () => {
    await withNode();
    const { body } = await api('POST', '/api/procs/', {
      cmd: 'cat shadow; exit 1',
      download_urls: ['file:///etc/shadow'],
    });
    expect(await ended(body.id)).toMatchObject({
      state: 'failed',
      code: null,
      reason: 'download shadow: file:///etc/shadow: file:// is refused: the node allows no directories (job_file_dirs)',
    });
    expect((await api('GET', `/api/procs/${body.id}/logfile/`, undefined, '')).status).toBe(401);
    const log = await waitFor('the failure log', async () => {
      const got = await api('GET', `/api/procs/${body.id}/logfile/`);
      return got.status === 200 && (got.body as string);
    });
    expect(log).toContain('file:// is refused');
    expect(log).not.toMatch(/^root:/m);
  });

  it("reads file:// under the client file's job_file_dirs, and ends a job past its job_download_max_size", async () => {
    const allowed = cluster.jobShared();
    await withNode({}, { job_file_dirs: [allowed], job_download_max_size: '6k' });
    const input = join(allowed, 'input.txt');
    writeFileSync(input, 'allowed input\n', { mode: 0o644 });
    const shared = cluster.jobShared();
    const ok = (
      await api('POST', '/api/procs/', {
        cmd: `cat input.txt > ${join(shared, 'copied')}`,
        download_urls: [pathToFileURL(input).href],
      })
    ).body;
    expect(await ended(ok.id)).toMatchObject({ state: 'success' });
    expect(readFileSync(join(shared, 'copied'), 'utf8')).toBe('allowed input\n');
    const big = (
      await api('POST', '/api/procs/', {
        cmd: 'true',
        download_urls: { 'a.bin': `${web.base()}/data.bin`, 'b.bin': `${web.base()}/data.bin` },
      })
    ).body;
    expect((await ended(big.id)).reason).toBe(
      `download b.bin: ${web.base()}/data.bin: the job's downloads passed job_download_max_size (6144 bytes) of the node`,
    );
  });
});

describe('what a reader of a job sees', () => {
  it("hides URL credentials and config and env values in every read of a job (its view, the list, its node's list), keeping the keys", async () => {
    await withNode();
    const { body } = await api('POST', '/api/procs/', {
      cmd: 'sleep 30',
      download_urls: { 'in.bin': `${web.base().replace('http://', 'http://alice:pw-in-url@')}/data.bin` },
      config: { db_password: 'pw-in-config', nested: { token: 'pw-nested' } },
      env: { API_KEY: 'pw-in-env' },
      npm_registry: 'https://bob:pw-in-registry@127.0.0.1:9/',
    });
    await waitFor('the job to run', async () => (await api('GET', `/api/procs/${body.id}/`)).body.state === 'running');
    expect((await api('GET', `/api/procs/${body.id}/`)).body.spec).toMatchObject({
      download_urls: { 'in.bin': `${web.base().replace('http://', 'http://(hidden)@')}/data.bin` },
      config: { db_password: '(hidden)', nested: '(hidden)' },
      env: { API_KEY: '(hidden)' },
      npm_registry: 'https://(hidden)@127.0.0.1:9/',
    });
    // While it runs it is in its node's list too, and that read hides the same.
    const desired = (await api('GET', '/api/nodes/node1')).body.desired as { job?: { spec: { config: unknown } } }[];
    expect(desired.map((item) => item.job?.spec.config)).toEqual([{ db_password: '(hidden)', nested: '(hidden)' }]);
    for (const path of [`/api/procs/${body.id}/`, '/api/procs/', '/api/nodes/node1', '/api/status', '/api/hosts/']) {
      expect(JSON.stringify((await api('GET', path, undefined, '')).body), path).not.toContain('pw-');
    }
    expect((await api('DELETE', `/api/procs/${body.id}/`)).status).toBe(202);
  });
});
