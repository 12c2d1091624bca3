// Real daemons on loopback: a master and nodes, each node a dpd-clientd +
// dpd-workerd pair in its own temp dir. Everything started is stopped by
// `cleanup()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@diprocd/test-utils';
import { afterEach, beforeEach } from 'vitest';
import { writeKeyFiles } from '@diprocd/transport';

export { alive, httpServerPerFile, waitFor } from '@diprocd/test-utils';

const BIN = {
  masterd: fileURLToPath(new URL('../bin/dpd-masterd.js', import.meta.url)),
  clientd: fileURLToPath(new URL('../bin/dpd-clientd.js', import.meta.url)),
  workerd: fileURLToPath(new URL('../../worker/bin/dpd-workerd.js', import.meta.url)),
};

/** A JSON log line (pino's shape: the event's name is `msg`), or `{msg: 'raw', line}`. */
export interface LogEvent {
  msg: string;
  [key: string]: unknown;
}

/** A daemon in the foreground, its JSON log lines collected. */
export class Daemon {
  readonly events: LogEvent[] = [];
  readonly exited: Promise<number | NodeJS.Signals>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.events.push(JSON.parse(line));
        } catch {
          this.events.push({ msg: 'raw', line });
        }
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
  }

  /** Events named `event` logged after the first `after`. */
  seen(event: string, after = 0): LogEvent[] {
    return this.events.slice(after).filter((e) => e.msg === event);
  }

  next(event: string, after = 0, timeoutMs?: number): Promise<LogEvent> {
    return waitFor(`${this.name} to log ${event}`, () => this.seen(event, after)[0], timeoutMs);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) {
      this.child.kill(signal);
      await this.exited;
    }
  }
}

/** `prefix` runs the daemon through another command, e.g. ["ip", "netns", "exec", NS] (which execs in place). */
async function startDaemon(
  program: keyof typeof BIN,
  name: string,
  file: string,
  ready: string,
  prefix: string[] = [],
): Promise<Daemon> {
  // The bin itself, as an operator runs it (its #! line may give Node flags).
  const argv = [...prefix, BIN[program], '-f', '--log-format', 'json', file];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const daemon = new Daemon(name, child);
  await Promise.race([
    daemon.next(ready),
    daemon.exited.then((code) => Promise.reject(new Error(`${name} exited ${code}: ${JSON.stringify(daemon.events)}`))),
  ]);
  return daemon;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Fast periods, so liveness changes within a test's time. */
export const TIMING = { heartbeat: '100ms', suspect_after: '300ms', down_after: '600ms' };

export interface Endpoints {
  master_stats: string;
  master_updates: string;
  http: string;
}

/** One test's cluster: a master file, nodes, and the daemons it started. */
/** The API token the tests' masters are given. */
export const TOKEN = 'test-token-0123456789';

/**
 * A fresh cluster for each test of the calling file (handed to `use`), its daemons stopped and its dir removed after.
 */
export function clusterPerTest(use: (cluster: Cluster) => void, transportHost?: string): void {
  let current: Cluster | undefined;
  beforeEach(async () => {
    current = await new Cluster().init(transportHost);
    use(current);
  });
  afterEach(async () => {
    await current?.cleanup();
  });
}

export class Cluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpd-cluster-'));
  readonly masterFile = join(this.dir, 'master.json');
  private readonly daemons: Daemon[] = [];
  endpoints!: Endpoints;
  master: Daemon | undefined;
  api = '';

  /**
   * `transportHost`: where the master binds ZeroMQ (loopback, or an address of a test's own network namespace link).
   */
  async init(transportHost = '127.0.0.1'): Promise<this> {
    const [stats, updates, http] = [await freePort(), await freePort(), await freePort()];
    this.endpoints = {
      master_stats: `tcp://${transportHost}:${stats}`,
      master_updates: `tcp://${transportHost}:${updates}`,
      http: `127.0.0.1:${http}`,
    };
    return this;
  }

  /**
   * A directory a job's user (nobody, under root) can read and write, for
   * what a job writes for the test to see: the cluster's dir can be passed
   * through (0711), not listed.
   */
  jobShared(): string {
    const shared = join(this.dir, 'shared');
    chmodSync(this.dir, 0o711);
    mkdirSync(shared, { recursive: true });
    chmodSync(shared, 0o777);
    return shared;
  }

  /** A process that sleeps, recognisable by this cluster's dir in its env. */
  sleeper(name: string, seconds = 100_000): Record<string, unknown> {
    return { name, run: '/bin/sleep', args: [String(seconds)], env: { CLUSTER: this.dir }, stop_timeout: '2s' };
  }

  /** Replaces the master file atomically, as an editor or a deploy tool would. */
  writeMaster(nodes: Record<string, unknown[]>, extra: Record<string, unknown> = {}): void {
    const temp = `${this.masterFile}.tmp`;
    writeFileSync(temp, JSON.stringify({ ...this.endpoints, ...TIMING, nodes, ...extra }, null, 2));
    renameSync(temp, this.masterFile);
  }

  /** Runs dpd-masterd on the master file expecting it to refuse: its exit code and stderr. */
  tryMaster(): { code: number | null; stderr: string } {
    const run = spawnSync(process.execPath, [BIN.masterd, '-f', '--log-format', 'json', this.masterFile], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { code: run.status, stderr: run.stderr };
  }

  /**
   * Starts dpd-masterd on the master file. The API's port was free when
   * init() chose it, but test files run side by side and another process
   * may take it before the master binds (EADDRINUSE): then the master is
   * started again on a port chosen anew, a few times at most. Nodes never
   * use the API's port, so nothing else changes.
   */
  async startMaster(): Promise<Daemon> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.master = this.track(await startDaemon('masterd', 'dpd-masterd', this.masterFile, 'master.ready'));
        break;
      } catch (error) {
        if (attempt >= 3 || !/"code":"DPD_HTTP_LISTEN","message":"[^"]*EADDRINUSE/.test((error as Error).message))
          throw error;
        const file = JSON.parse(readFileSync(this.masterFile, 'utf8')) as { http?: string };
        if (file.http !== this.endpoints.http) throw error;
        this.endpoints.http = file.http = `127.0.0.1:${await freePort()}`;
        writeFileSync(`${this.masterFile}.tmp`, JSON.stringify(file, null, 2));
        renameSync(`${this.masterFile}.tmp`, this.masterFile);
      }
    }
    this.api = String(this.master.seen('master.ready')[0]!.http);
    return this.master;
  }

  /**
   * CURVE key files for the master and each of `nodes` (written by the
   * transport's writeKeyFiles, as dpd-ctl keygen does): the master file's
   * `curve` (each node bound to its key by name) and each client file's.
   */
  curveKeys(nodes: string[]) {
    const dir = join(this.dir, 'keys');
    const master = writeKeyFiles(dir, 'master');
    const pairs = Object.fromEntries(nodes.map((node) => [node, writeKeyFiles(dir, node)]));
    return {
      dir,
      master,
      pairs,
      masterCurve: {
        secret_key: master.secretFile,
        public_key: master.publicFile,
        allow: Object.fromEntries(nodes.map((node) => [node, pairs[node]!.publicFile])),
      },
      client: (node: string) => ({
        curve: {
          secret_key: pairs[node]!.secretFile,
          public_key: pairs[node]!.publicFile,
          master_key: master.publicFile,
        },
      }),
    };
  }

  /** A node's dir with its client and worker files (the worker file starts empty). */
  /** `netns`: run the node's daemons inside that network namespace. */
  node(name: string, clientExtra: Record<string, unknown> = {}, netns?: string): ClusterNode {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const node = new ClusterNode(
      name,
      dir,
      (daemon) => this.track(daemon),
      netns ? ['ip', 'netns', 'exec', netns] : [],
    );
    writeFileSync(
      node.workerFile,
      JSON.stringify({ procs: [], stop_on_exit: true, comment_kept: 'a key the client must keep' }),
    );
    writeFileSync(
      node.clientFile,
      JSON.stringify({
        master_stats: this.endpoints.master_stats,
        master_updates: this.endpoints.master_updates,
        node_name: name,
        conf_file: node.workerFile,
        heartbeat: TIMING.heartbeat,
        ...clientExtra,
      }),
    );
    return node;
  }

  /**
   * An HTTP request to the master's API, with `token` as its bearer token when given: the status and the body (JSON
   * when it is).
   */
  // The body is whatever JSON the API answered; each test reads the fields it checks.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text,
    };
  }

  async get<T = unknown>(path: string): Promise<T> {
    const response = await fetch(`${this.api}${path}`, { signal: AbortSignal.timeout(5_000) });
    return (await response.json()) as T;
  }

  private track(daemon: Daemon): Daemon {
    this.daemons.push(daemon);
    return daemon;
  }

  /** Stops clients and the master first, then workers (stop_on_exit stops their processes). */
  async cleanup(): Promise<void> {
    const order = (d: Daemon) => (d.name.startsWith('dpd-workerd') ? 1 : 0);
    for (const daemon of [...this.daemons].sort((a, b) => order(a) - order(b))) await daemon.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class ClusterNode {
  readonly workerFile: string;
  readonly clientFile: string;
  client: Daemon | undefined;
  worker: Daemon | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
    private readonly track: (daemon: Daemon) => Daemon,
    private readonly prefix: string[],
  ) {
    this.workerFile = join(dir, 'worker.json');
    this.clientFile = join(dir, 'client.json');
  }

  async startWorker(): Promise<Daemon> {
    this.worker = this.track(
      await startDaemon('workerd', `dpd-workerd ${this.name}`, this.workerFile, 'worker.ready', this.prefix),
    );
    return this.worker;
  }

  async startClient(): Promise<Daemon> {
    this.client = this.track(
      await startDaemon('clientd', `dpd-clientd ${this.name}`, this.clientFile, 'client.ready', this.prefix),
    );
    return this.client;
  }

  async start(): Promise<this> {
    await this.startWorker();
    await this.startClient();
    return this;
  }

  /** The worker file as it is now. */
  file(): { procs: { name: string; args: string[] }[]; [key: string]: unknown } {
    return JSON.parse(readFileSync(this.workerFile, 'utf8'));
  }

  /** The running processes by name, as the worker's log tells (name → pid of its latest start). */
  pids(): Record<string, number> {
    const pids: Record<string, number> = {};
    for (const e of this.worker?.events ?? []) {
      if (e.msg === 'proc.start') pids[String(e.name)] = Number(e.eventPid);
      else if (e.msg === 'proc.stop') delete pids[String(e.name)];
    }
    return pids;
  }
}
