// dpd-ctl keygen, and dpd-ctl --master against a real dpd-masterd: real
// processes, real files, real sockets on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@diprocd/test-utils';
import { clusterTable } from '../src/ctl/master-status.js';

const CTL = fileURLToPath(new URL('../bin/dpd-ctl.js', import.meta.url));
// Through the package, so the dev dependency that makes Nx build it first is the one used.
const MASTERD = join(
  dirname(createRequire(import.meta.url).resolve('@diprocd/cluster/package.json')),
  'bin',
  'dpd-masterd.js',
);
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

const dirs: string[] = [];
const masters: ChildProcess[] = [];

afterEach(async () => {
  for (const child of masters.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dir(): string {
  const made = tempDir('ctl-cluster');
  dirs.push(made);
  return made;
}

/** dpd-ctl with a clean environment (no DPD_MASTER or DPD_SOCKET of the caller's). */
function ctl(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env = { ...process.env, ...options.env };
  if (!options.env?.DPD_MASTER) delete env.DPD_MASTER;
  delete env.DPD_SOCKET;
  const run = spawnSync(process.execPath, [CTL, ...args], { encoding: 'utf8', timeout: 30_000, cwd: options.cwd, env });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A port nothing listens on right now: bound on 127.0.0.1:0, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A dpd-masterd in the foreground on free loopback ports; resolves with its HTTP URL once it logged master.ready. */
async function startMaster(nodes: Record<string, unknown[]>): Promise<string> {
  const at = dir();
  const [stats, updates, http] = [await freePort(), await freePort(), await freePort()];
  const file = join(at, 'master.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        master_stats: `tcp://127.0.0.1:${stats}`,
        master_updates: `tcp://127.0.0.1:${updates}`,
        http: `127.0.0.1:${http}`,
        nodes,
      },
      null,
      2,
    ),
  );
  const child = spawn(process.execPath, [MASTERD, '-f', '--log-format', 'json', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  masters.push(child);
  const lines: string[] = [];
  let buffered = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    lines.push(...complete);
  });
  const ready = await waitFor(
    'dpd-masterd to log master.ready',
    () => {
      if (child.exitCode !== null) throw new Error(`dpd-masterd exited ${child.exitCode}: ${lines.join('\n')}`);
      return lines
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; http?: string })
        .find((event) => event.msg === 'master.ready');
    },
    10_000,
  );
  expect(ready.http).toBe(`http://127.0.0.1:${http}`);
  return ready.http!;
}

const sleeper = (name: string) => ({ name, run: '/bin/sleep', args: ['100000'] });

describe('dpd-ctl keygen', () => {
  it('writes NAME.key (mode 0600) and NAME.pub, and says where they go', () => {
    const keys = join(dir(), 'keys');
    const run = ctl(['keygen', '--dir', keys, 'node1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(statSync(join(keys, 'node1.key')).mode & 0o777).toBe(0o600);
    const key = (file: string) =>
      readFileSync(join(keys, file), 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'));
    const [publicKey] = key('node1.pub');
    expect(key('node1.pub')).toHaveLength(1);
    expect(publicKey).toMatch(Z85_KEY);
    expect(key('node1.key')).toEqual([expect.stringMatching(Z85_KEY)]);
    expect(key('node1.key')[0]).not.toBe(publicKey);
    expect(run.stdout.replaceAll(keys, 'KEYS').replace(publicKey!, 'PUBLIC_KEY')).toMatchInlineSnapshot(`
      "secret key: KEYS/node1.key (mode 0600: keep it on this host only)
      public key: KEYS/node1.pub
        PUBLIC_KEY

      If this is the master's key, in the master file (allow: each node name with its .pub file or key):
        "curve": {"secret_key": "KEYS/node1.key", "public_key": "KEYS/node1.pub", "allow": {"node1": "/etc/diprocd/keys/node1.pub"}}
      If it is a node's key, in that node's client file (master_key: the master's .pub file or key):
        "curve": {"secret_key": "KEYS/node1.key", "public_key": "KEYS/node1.pub", "master_key": "/etc/diprocd/keys/master.pub"}
      Copy only .pub files between hosts, never a .key.
      "
    `);
  });

  it('writes into the current directory by default and never overwrites', () => {
    const cwd = dir();
    expect(ctl(['keygen', 'master'], { cwd }).code).toBe(0);
    const before = [readFileSync(join(cwd, 'master.key'), 'utf8'), readFileSync(join(cwd, 'master.pub'), 'utf8')];
    const again = ctl(['keygen', 'master'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr.replaceAll(cwd, 'DIR')).toMatchInlineSnapshot(`
      "dpd-ctl: DIR/master.key already exists; not overwriting a key that may be in use (remove it first, or choose another NAME) [DPD_KEY_EXISTS]
      "
    `);
    expect([readFileSync(join(cwd, 'master.key'), 'utf8'), readFileSync(join(cwd, 'master.pub'), 'utf8')]).toEqual(
      before,
    );
  });

  it('leaves no new secret key behind when only the .pub is in the way', () => {
    const at = dir();
    writeFileSync(join(at, 'node2.pub'), "someone else's\n");
    const run = ctl(['keygen', '--dir', at, 'node2']);
    expect(run.code).toBe(1);
    expect(run.stderr.replaceAll(at, 'DIR')).toMatchInlineSnapshot(`
      "dpd-ctl: DIR/node2.pub already exists; not overwriting a key that may be in use (remove it first, or choose another NAME) [DPD_KEY_EXISTS]
      "
    `);
    expect(() => statSync(join(at, 'node2.key'))).toThrow(/ENOENT/);
  });
});

describe('dpd-ctl --master status', () => {
  it('lists every node and its processes; with no client connected they are "node down"', async () => {
    const url = await startMaster({ node1: [sleeper('web.1'), sleeper('worker.1')], node2: [sleeper('db')] });
    const run = ctl(['--master', url, 'status']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Nothing varies here while no node has reported: no heartbeat time, no pid.
    expect(run.stdout).toMatchInlineSnapshot(`
      "node1: unknown, last heartbeat never
      NODE   NAME      STATUS     PID  RESTARTS  LAST EXIT
      node1  web.1     node down  -    0         -
      node1  worker.1  node down  -    0         -

      node2: unknown, last heartbeat never
      NODE   NAME      STATUS     PID  RESTARTS  LAST EXIT
      node2  db        node down  -    0         -
      "
    `);
  });

  it('--json prints the hosts and the status as the API gives them; DPD_MASTER stands for --master', async () => {
    const url = await startMaster({ node1: [sleeper('web.1')], node2: [sleeper('db')] });
    const run = ctl(['status', '--json'], { env: { DPD_MASTER: `${url}/` } });
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      hosts: { name: string; liveness: string; lastHeartbeat: string | null }[];
      status: { node: string; name: string; status: string; original: string }[];
    };
    expect(Object.keys(parsed)).toEqual(['hosts', 'status']);
    expect(parsed.hosts).toEqual([
      expect.objectContaining({ name: 'node1', liveness: 'unknown', lastHeartbeat: null }),
      expect.objectContaining({ name: 'node2', liveness: 'unknown', lastHeartbeat: null }),
    ]);
    expect(parsed.status).toEqual([
      expect.objectContaining({ node: 'node1', name: 'web.1', status: 'node down', original: 'ERROR_nodedown' }),
      expect.objectContaining({ node: 'node2', name: 'db', status: 'node down', original: 'ERROR_nodedown' }),
    ]);
  });

  it('prints the error a master answers with', async () => {
    const url = await startMaster({ node1: [sleeper('web.1')] });
    const run = ctl(['--master', `${url}/elsewhere`, 'status']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // The master's own words (its package's to choose), passed on verbatim.
    const said = ((await (await fetch(`${url}/elsewhere/api/hosts/`)).json()) as { error: string }).error;
    expect(said).toMatch(/^no such resource "\/elsewhere\/api\/hosts"/);
    expect(run.stderr.replaceAll(url, 'URL').replace(said, 'ERROR')).toMatchInlineSnapshot(`
      "dpd-ctl: the master at URL/elsewhere answered GET /api/hosts/ with 404: ERROR [DPD_MASTER_HTTP]
      "
    `);
  });

  it('says clearly when no master answers or the URL is not http', async () => {
    const port = await freePort();
    const down = ctl(['--master', `http://127.0.0.1:${port}`, 'status']);
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr.replaceAll(String(port), 'PORT')).toMatchInlineSnapshot(`
      "dpd-ctl: cannot reach the master at http://127.0.0.1:PORT: ECONNREFUSED; is dpd-masterd running there? [DPD_MASTER_UNREACHABLE]
      "
    `);

    const ftp = ctl(['--master', 'ftp://127.0.0.1:5080', 'status']);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatchInlineSnapshot(`
      "dpd-ctl: --master "ftp://127.0.0.1:5080" is not an http or https URL; expected e.g. http://127.0.0.1:5080 [DPD_MASTER_URL]
      "
    `);
  });

  it('refuses --master with a command that acts on the local worker', () => {
    const run = ctl(['--master', 'http://127.0.0.1:5080', 'stop', 'web.1']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatchInlineSnapshot(
      `"dpd-ctl: --master goes with status only; stop acts on the local worker (run dpd-ctl on that node)"`,
    );
  });
});

describe('the cluster table', () => {
  it("shows a reporting node's heartbeat age and load, and its processes' pids and exits", () => {
    // What a node with a connected client looks like, which the daemon test above cannot show without one.
    const now = Date.parse('2026-01-02T03:04:10.000Z');
    const table = clusterTable(
      {
        hosts: [
          {
            name: 'node1',
            liveness: 'alive',
            lastHeartbeat: '2026-01-02T03:04:05.000Z',
            revision: 2,
            applied: 2,
            load: [0.5, 0.25, 1],
          },
          {
            name: 'empty',
            liveness: 'suspect',
            lastHeartbeat: '2026-01-02T03:02:10.000Z',
            revision: 1,
            applied: 1,
            load: null,
          },
        ],
        status: [
          {
            node: 'node1',
            name: 'web.1',
            status: 'running',
            original: 'running',
            state: 'running',
            pid: 4242,
            restarts: 1,
            lastExit: { code: 1, signal: null },
            wanted: true,
          },
          {
            node: 'node1',
            name: 'old',
            status: 'up though it should not be',
            original: 'ERROR_up',
            state: 'running',
            pid: 17,
            restarts: 0,
            lastExit: null,
            wanted: false,
          },
          {
            node: 'node1',
            name: 'killed',
            status: 'down by error',
            original: 'ERROR_down',
            state: 'failed',
            pid: null,
            restarts: 3,
            lastExit: { code: null, signal: 'SIGKILL' },
            wanted: true,
          },
        ],
      },
      now,
    );
    expect(table).toMatchInlineSnapshot(`
      "node1: alive, last heartbeat 2026-01-02T03:04:05.000Z (5s ago), load 0.50 0.25 1.00
      NODE   NAME    STATUS                      PID   RESTARTS  LAST EXIT
      node1  web.1   running                     4242  1         code 1
      node1  old     up though it should not be  17    0         -
      node1  killed  down by error               -     3         SIGKILL

      empty: suspect, last heartbeat 2026-01-02T03:02:10.000Z (2m0s ago)
        (no processes)"
    `);
  });
});
