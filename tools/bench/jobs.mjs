// Jobs through dpd-masterd's HTTP API, run on real nodes (each a dpd-clientd
// + dpd-workerd pair): how many trivial jobs per second go from POST to
// `success`, and how long a job takes from POST to running.
//   1. Throughput, with 1 node and with 3 nodes: M jobs `{"cmd": "true"}`
//      POSTed one after another as fast as the API answers, then polled with
//      GET /api/procs/?per_page=500 every ~20 ms until all are `success`.
//      jobs/s = M / (first POST → last `success` seen). Each job's records
//      (the master's, the worker's log) split its time into steps.
//   2. Latency, one job `{"cmd": "sleep 1"}` at a time: POST → `running` as
//      the master shows it (GET /api/procs/ID/ every ~5 ms), and POST → the
//      job runner's process on the node (`node packages/jobs/dist/job-runner.js
//      DIR ID` in /proc/PID/cmdline, watched from a worker thread).
// Both with each heartbeat given (default 1s, the daemons' default, and
// 100ms): a node reports its jobs' states with its heartbeat, so the period
// bounds how soon the master learns of a change.
//
//   npm run build
//   node tools/bench/jobs.mjs [--nodes 1,3] [--jobs 30] [--latency-runs 10] [--latency-nodes 1] [--heartbeats 1s,100ms]
// [--no-record]
//
// Everything listens and connects on 127.0.0.1 only; every daemon and temp
// dir is removed at the end (clients and the master first, then the workers
// with SIGTERM: stop_on_exit stops the jobs they still run).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { RECORD_OPTION, finish } from './lib/history.mjs';
import {
  CLK_TCK,
  daemon,
  freePort,
  lastPid,
  loadAverage,
  now,
  round,
  sleep,
  stopAll,
  summary,
  waitEvent,
  waitFor,
  wall,
} from './lib/kit.mjs';

// ---- the /proc watcher (a worker thread, so blocking waits do not stall the HTTP polling) ----

if (!isMainThread) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const nap = (ms) => Atomics.wait(pause, 0, 0, ms);
  // The module's own helpers (lastPid, now, wall) are initialised by the time a message comes.
  const cmdline = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    } catch {
      return undefined;
    }
  };
  // The runner of @diprocd/jobs, which dpd-clientd finds in that package (built in this workspace).
  const runner = fileURLToPath(new URL('../../packages/jobs/dist/job-runner.js', import.meta.url));
  const isRunner = (argv, root, id) =>
    argv !== undefined && argv[1] === runner && argv[2]?.startsWith(root) && argv[3] === id;
  parentPort.on('message', ({ root, id, from, timeoutMs }) => {
    // Pids created since `from` (from ns_last_pid), each re-read until it is
    // gone or has exec'd the runner (a fork shows its parent's argv until
    // exec). Every 25 ms a full scan of /proc as a backstop.
    const deadline = now() + timeoutMs;
    const candidates = new Set();
    let last = from;
    let lastFull = 0;
    for (;;) {
      const current = lastPid();
      for (let p = last + 1; p <= current; p++) candidates.add(p);
      last = current;
      if (now() - lastFull > 25) {
        lastFull = now();
        for (const name of readdirSync('/proc')) if (/^\d+$/.test(name)) candidates.add(Number(name));
      }
      for (const pid of candidates) {
        const argv = cmdline(pid);
        if (argv === undefined) candidates.delete(pid);
        else if (isRunner(argv, root, id)) {
          parentPort.postMessage({ id, seenAt: wall(), pid });
          return;
        }
      }
      // Old processes found by the full scan that are not forks in flight.
      if (candidates.size > 64) for (const pid of candidates) if (pid <= from) candidates.delete(pid);
      if (now() > deadline) {
        parentPort.postMessage({ id, seenAt: null });
        return;
      }
      nap(0.2);
    }
  });
}

// ---- the benchmark ----------------------------------------------------------

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1,3' },
    jobs: { type: 'string', default: '30' },
    'latency-runs': { type: 'string', default: '10' },
    // Node counts for the latency runs (one job at a time: placement does not matter).
    'latency-nodes': { type: 'string', default: '1' },
    heartbeats: { type: 'string', default: '1s,100ms' },
    'list-poll-ms': { type: 'string', default: '20' },
    'job-poll-ms': { type: 'string', default: '5' },
    'timeout-seconds': { type: 'string', default: '120' },
    ...RECORD_OPTION,
  },
  strict: isMainThread,
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = {
  master: join(ROOT, 'daemons/cluster/bin/dpd-masterd.js'),
  client: join(ROOT, 'daemons/cluster/bin/dpd-clientd.js'),
  worker: join(ROOT, 'daemons/worker/bin/dpd-workerd.js'),
};
const TOKEN = `bench-token-${process.pid}-0123456789`;

/** Clients and the master first, then the workers (SIGTERM; stop_on_exit stops what they run). */

async function api(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a text body (a log)
  }
  return { status: response.status, body: parsed };
}

/**
 * A process's CPU ticks: its own, and those of its children it has waited for (for a worker: its job runners and what
 * they ran).
 */
function ticks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return { self: 0, children: 0 };
  }
}
/** Busy ticks of the whole machine (all cores), from /proc/stat. */
function machineBusy() {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'latin1')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return user + nice + system + irq + softirq + steal;
}
/** CPU time of each part, in ms: master, clients, workers, job runners (with their commands), the whole machine. */
function cpuSnapshot(cluster) {
  const sum = (list, key) => list.reduce((total, child) => total + ticks(child.pid)[key], 0);
  return {
    master: ticks(cluster.master.pid).self,
    clients: sum(
      cluster.nodes.map((n) => n.client),
      'self',
    ),
    workers: sum(
      cluster.nodes.map((n) => n.worker),
      'self',
    ),
    runners: sum(
      cluster.nodes.map((n) => n.worker),
      'children',
    ),
    machine: machineBusy(),
  };
}
const cpuSince = (before, after, jobs) =>
  Object.fromEntries(
    Object.keys(before).map((k) => [
      k,
      {
        ms: ((after[k] - before[k]) * 1000) / CLK_TCK,
        perJobMs: round(((after[k] - before[k]) * 1000) / CLK_TCK / jobs),
      },
    ]),
  );

const logTime = (e) => (e ? e.time : null);

/** A master with `count` nodes (clientd + workerd each), all alive in /api/hosts/. */
async function startCluster(count, heartbeat, children) {
  const dir = mkdtempSync(join(tmpdir(), 'dpd-jobs-bench-'));
  const [stats, updates, http] = await Promise.all([freePort(), freePort(), freePort()]);
  const endpoints = { master_stats: `tcp://127.0.0.1:${stats}`, master_updates: `tcp://127.0.0.1:${updates}` };
  const names = Array.from({ length: count }, (_, i) => `node${i + 1}`);
  const masterFile = join(dir, 'master.json');
  writeFileSync(
    masterFile,
    JSON.stringify({
      ...endpoints,
      http: `127.0.0.1:${http}`,
      api_token: TOKEN,
      heartbeat,
      nodes: Object.fromEntries(names.map((n) => [n, []])),
    }),
  );
  const master = daemon(BIN.master, masterFile, join(dir, 'master.log'), children, 'master');
  const ready = await waitEvent(master, 'master.ready');
  const base = String(ready.http ?? `http://127.0.0.1:${http}`);
  const nodes = await Promise.all(
    names.map(async (name) => {
      const nodeDir = join(dir, name);
      mkdirSync(nodeDir);
      const workerFile = join(nodeDir, 'worker.json');
      const clientFile = join(nodeDir, 'client.json');
      writeFileSync(workerFile, JSON.stringify({ procs: [], stop_on_exit: true }));
      writeFileSync(clientFile, JSON.stringify({ ...endpoints, node_name: name, conf_file: workerFile, heartbeat }));
      const worker = daemon(BIN.worker, workerFile, join(nodeDir, 'worker.log'), children, `worker ${name}`);
      await waitEvent(worker, 'worker.ready');
      const client = daemon(BIN.client, clientFile, join(nodeDir, 'client.log'), children, `client ${name}`);
      await waitEvent(client, 'client.ready');
      return { name, worker, client };
    }),
  );
  await waitFor(
    'every node alive in /api/hosts/',
    async () => {
      const hosts = (await api(base, 'GET', '/api/hosts/')).body;
      return Array.isArray(hosts) && hosts.length === count && hosts.every((h) => h.liveness === 'alive');
    },
    30_000,
    50,
  );
  await sleep(1000);
  return { dir, base, master, nodes };
}

/** Every job's steps, from the master's record and the worker's log (ms, one machine's clock). */
function steps(job, nodes) {
  const worker = nodes.find((n) => n.name === job.node)?.worker;
  const start = logTime(worker?.events.find((e) => e.msg === 'proc.start' && e.name === `job.${job.id}`));
  return {
    // master publishes → client writes the worker file → the worker spawns the runner
    submitToSpawn: start === null ? null : start - job.submittedAt,
    // the runner's Node start-up, until it records `init`
    spawnToInit: start === null || job.startedAt === null ? null : job.startedAt - start,
    // init → setup → running → the command exits → work dir removed → `success` recorded
    initToEnd: job.startedAt === null || job.endedAt === null ? null : job.endedAt - job.startedAt,
    // the node's next heartbeat carries it; the master records it
    endToMaster: job.endedAt === null ? null : job.updatedAt - job.endedAt,
  };
}

const stepSummary = (all) =>
  Object.fromEntries(
    ['submitToSpawn', 'spawnToInit', 'initToEnd', 'endToMaster'].map((k) => [k, summary(all.map((s) => s[k]))]),
  );

async function throughput(count, heartbeat, jobs, timeoutMs) {
  const children = [];
  let dir;
  const workdirs = [];
  try {
    const loadAtStart = loadAverage();
    const cluster = await startCluster(count, heartbeat, children);
    dir = cluster.dir;
    const ids = [];
    const postMs = [];
    const cpuBefore = cpuSnapshot(cluster);
    const benchCpuBefore = process.cpuUsage();
    const t0 = now();
    for (let i = 0; i < jobs; i++) {
      const t = now();
      const { status, body } = await api(cluster.base, 'POST', '/api/procs/', { cmd: 'true' });
      postMs.push(now() - t);
      if (status !== 201) throw new Error(`POST /api/procs/ answered ${status}: ${JSON.stringify(body)}`);
      ids.push(body.id);
    }
    const postedMs = now() - t0;
    const wanted = new Set(ids);
    let final;
    let polls = 0;
    let lastTally = '';
    const doneAt = await waitFor(
      `all ${jobs} jobs to end`,
      async () => {
        polls++;
        const { body } = await api(cluster.base, 'GET', '/api/procs/?per_page=500');
        const mine = body.procs.filter((job) => wanted.has(job.id));
        const tally = {};
        for (const job of mine) tally[job.state] = (tally[job.state] ?? 0) + 1;
        lastTally = JSON.stringify(tally);
        if (mine.length === jobs && mine.every((job) => job.state === 'success' || job.state === 'failed')) {
          final = mine;
          return now();
        }
        return null;
      },
      timeoutMs,
      Number(values['list-poll-ms']),
    ).catch((error) => {
      throw new Error(`${error.message}; last states: ${lastTally}`);
    });
    const cpuAfter = cpuSnapshot(cluster);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    for (const job of final) if (job.workdir) workdirs.push(job.workdir);
    const failed = final.filter((job) => job.state !== 'success');
    const elapsed = doneAt - t0;
    const perJob = final.map((job) => steps(job, cluster.nodes));
    const perNode = Object.fromEntries(
      cluster.nodes.map((n) => [n.name, final.filter((job) => job.node === n.name).length]),
    );
    const firstSubmit = Math.min(...final.map((j) => j.submittedAt));
    const lastSeen = Math.max(...final.map((j) => j.updatedAt));
    return {
      nodes: count,
      heartbeat,
      loadAverageAtStart: loadAtStart,
      jobs,
      succeeded: jobs - failed.length,
      failed: failed.slice(0, 3).map((j) => ({ id: j.id, reason: j.reason })),
      jobsPerSecond: round(jobs / (elapsed / 1000), 2),
      firstPostToLastSuccessSeenMs: round(elapsed, 0),
      // The master's own clock: first submittedAt → last updatedAt (no polling delay).
      masterFirstSubmitToLastEndRecordedMs: lastSeen - firstSubmit,
      allPostedMs: round(postedMs, 0),
      postMs: summary(postMs),
      polls,
      jobsPerNode: perNode,
      stepsMs: stepSummary(perJob),
      // CPU used from the first POST to the last success seen (ticks of 10 ms).
      cpu: {
        ...cpuSince(cpuBefore, cpuAfter, jobs),
        bench: { ms: round((benchCpu.user + benchCpu.system) / 1000, 0) },
        machineCapacityMs: round(elapsed * cpus().length, 0),
      },
      loadAverageAtEnd: loadAverage(),
    };
  } finally {
    await stopAll(children);
    for (const w of workdirs) rmSync(w, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function latency(count, heartbeat, runs, timeoutMs) {
  const children = [];
  let dir;
  const workdirs = [];
  const watcher = new Worker(fileURLToPath(import.meta.url));
  try {
    const loadAtStart = loadAverage();
    const cluster = await startCluster(count, heartbeat, children);
    dir = cluster.dir;
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const from = lastPid();
      // The id is the master's next: jobs are numbered 1, 2, … in this fresh master.
      const id = String(i + 1);
      const seen = new Promise((resolve) => {
        const on = (msg) => {
          if (msg.id !== id) return;
          watcher.off('message', on);
          resolve(msg);
        };
        watcher.on('message', on);
      });
      watcher.postMessage({ root: dir, id, from, timeoutMs });
      const t0wall = wall();
      const t0 = now();
      const { status, body } = await api(cluster.base, 'POST', '/api/procs/', { cmd: 'sleep 1' });
      const postMs = now() - t0;
      if (status !== 201) throw new Error(`POST /api/procs/ answered ${status}: ${JSON.stringify(body)}`);
      if (body.id !== id) throw new Error(`expected job id ${id}, got ${body.id}`);
      let runningMs = null;
      let skipped = null;
      await waitFor(
        `job ${id} running`,
        async () => {
          const job = (await api(cluster.base, 'GET', `/api/procs/${id}/`)).body;
          if (job.state === 'running') runningMs = now() - t0;
          else if (job.state === 'success' || job.state === 'failed') skipped = job.state;
          return runningMs !== null || skipped !== null;
        },
        timeoutMs,
        Number(values['job-poll-ms']),
      );
      const proc = await seen;
      const job = await waitFor(
        `job ${id} to end`,
        async () => {
          const got = (await api(cluster.base, 'GET', `/api/procs/${id}/`)).body;
          return (got.state === 'success' || got.state === 'failed') && got;
        },
        timeoutMs,
        Number(values['list-poll-ms']),
      );
      const successMs = now() - t0;
      if (job.workdir) workdirs.push(job.workdir);
      const s = steps(job, cluster.nodes);
      samples.push({
        id,
        state: job.state,
        postMs: round(postMs),
        postToRunnerProcessMs: proc.seenAt === null ? null : round(proc.seenAt - t0wall),
        postToRunningAtMasterMs: round(runningMs),
        runningNeverSeen: skipped,
        postToEndSeenMs: round(successMs),
        submitToSpawnMs: s.submitToSpawn,
        spawnToInitMs: s.spawnToInit,
      });
      await sleep(300);
    }
    return {
      nodes: count,
      heartbeat,
      loadAverageAtStart: loadAtStart,
      runs,
      postToRunnerProcessMs: summary(samples.map((s) => s.postToRunnerProcessMs)),
      postToRunningAtMasterMs: summary(samples.map((s) => s.postToRunningAtMasterMs)),
      postToSuccessSeenMs: summary(samples.map((s) => s.postToEndSeenMs)),
      failed: samples.filter((s) => s.state !== 'success').length,
      samples,
      loadAverageAtEnd: loadAverage(),
    };
  } finally {
    await watcher.terminate();
    await stopAll(children);
    for (const w of workdirs) rmSync(w, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const nodeCounts = values.nodes.split(',').filter(Boolean).map(Number);
  const latencyNodes = values['latency-nodes'].split(',').filter(Boolean).map(Number);
  const heartbeats = values.heartbeats.split(',').filter(Boolean);
  const jobs = Number(values.jobs);
  const runs = Number(values['latency-runs']);
  const timeoutMs = 1000 * Number(values['timeout-seconds']);
  // Other work on the machine skews every number here: say how busy it was.
  const result = {
    cores: cpus().length,
    node: process.version,
    loadAverageAtStart: loadAverage(),
    throughput: [],
    latency: [],
  };
  for (const heartbeat of heartbeats) {
    for (const count of nodeCounts) result.throughput.push(await throughput(count, heartbeat, jobs, timeoutMs));
    if (runs > 0)
      for (const count of latencyNodes) result.latency.push(await latency(count, heartbeat, runs, timeoutMs));
  }
  result.loadAverageAtEnd = loadAverage();
  finish(values, {
    bench: 'jobs',
    command: `npm run build && node tools/bench/jobs.mjs --nodes ${values.nodes} --jobs ${jobs} --latency-runs ${runs} --latency-nodes ${values['latency-nodes']} --heartbeats ${values.heartbeats}`,
    results: result,
  });
}

if (isMainThread) await main();
