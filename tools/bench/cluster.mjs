// dpd-masterd propagation: the time from an edit of the master file (an
// atomic rename, as an operator's editor does) to the change running on its
// nodes.
//   1. One node, real daemons (dpd-masterd, dpd-clientd, dpd-workerd): from
//      the rename to the new process's exec (its command line in /proc).
//   2. N nodes (e.g. 100 and 1,000): one real dpd-masterd and N simulated
//      nodes (TransportClient of @diprocd/transport: the real protocol over
//      real 127.0.0.1 sockets), split over child processes; from the rename
//      to each node's 'state' event with the new revision. Also the master's
//      RSS and CPU, idle with N nodes connected, and RSS after the edits.
//
//   npm run build
//   node tools/bench/cluster.mjs [--nodes 100,1000] [--edits 3] [--one-node-runs 10] [--client-procs 2] [--idle-seconds
// 5] [--no-record]
//
// Everything listens and connects on 127.0.0.1 only; every daemon, child
// and temp dir is removed at the end (the worker with stop_on_exit, so the
// processes it started stop with it).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';
import {
  CLK_TCK,
  cmdline,
  daemon,
  freePort,
  lastPid,
  now,
  round,
  sleep,
  stopAll,
  summary,
  waitEvent,
  waitFor,
  wall,
} from './lib/kit.mjs';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100,1000' },
    edits: { type: 'string', default: '3' },
    'one-node-runs': { type: 'string', default: '10' },
    'client-procs': { type: 'string', default: '2' },
    // ZeroMQ allows 1023 sockets per context (ZMQ_MAX_SOCKETS, zeromq.js's
    // default context) and each TransportClient holds six: SUB and DEALER,
    // and for each the two PAIR sockets of its monitor (socket.events). The
    // 171st client in one process fails with EMFILE, so 125 per process.
    'clients-per-proc': { type: 'string', default: '125' },
    'idle-seconds': { type: 'string', default: '5' },
    heartbeat: { type: 'string', default: '1s' },
    // Internal: this file run as a process of simulated nodes.
    'sim-child': { type: 'boolean', default: false },
    ...RECORD_OPTION,
  },
});

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = {
  master: join(ROOT, 'daemons/cluster/bin/dpd-masterd.js'),
  client: join(ROOT, 'daemons/cluster/bin/dpd-clientd.js'),
  worker: join(ROOT, 'daemons/worker/bin/dpd-workerd.js'),
};

const pause = new Int32Array(new SharedArrayBuffer(4));
const nap = (ms) => Atomics.wait(pause, 0, 0, ms);

// ---- simulated nodes (a child process) --------------------------------------

async function simChildMain() {
  const { TransportClient } = await import('@diprocd/transport');
  const clients = [];
  /** node index → revision → wall time of its 'state' event. */
  const seen = [];
  let waiting; // { revision, resolve }
  const complete = (revision) => seen.every((m) => m.has(revision));
  process.on('message', async (msg) => {
    if (msg.type === 'start') {
      const { names, updates, stats, heartbeatMs } = msg;
      for (const [i, node] of names.entries()) {
        seen.push(new Map());
        let applied = 0;
        const client = new TransportClient({
          node,
          updates,
          stats,
          heartbeatMs,
          report: () => ({ revision: applied, load: [0, 0, 0], procs: [] }),
        });
        client.on('state', ({ revision }) => {
          seen[i].set(revision, wall());
          applied = revision;
          client.setApplied(revision);
          if (waiting && complete(waiting.revision)) {
            process.send({
              type: 'revision',
              revision: waiting.revision,
              times: seen.map((m) => m.get(waiting.revision)),
            });
            waiting = undefined;
          }
        });
        client.on('error', ({ error }) =>
          process.send({ type: 'error', node, code: error.code, message: error.message }),
        );
        clients.push(client);
        await client.start();
      }
      process.send({ type: 'started', count: clients.length });
    } else if (msg.type === 'await') {
      if (complete(msg.revision))
        process.send({ type: 'revision', revision: msg.revision, times: seen.map((m) => m.get(msg.revision)) });
      else waiting = { revision: msg.revision };
    } else if (msg.type === 'progress') {
      process.send({
        type: 'progress',
        revision: msg.revision,
        have: seen.filter((m) => m.has(msg.revision)).length,
        of: seen.length,
      });
    } else if (msg.type === 'close') {
      await Promise.all(clients.map((c) => c.close()));
      process.send({ type: 'closed' }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---- helpers of the parent --------------------------------------------------

function writeAtomic(file, value) {
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

function masterUsage(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rssMiB: Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)[1]) / 1024,
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

async function cpuPercent(pid, seconds) {
  const before = masterUsage(pid).ticks;
  const t0 = now();
  await sleep(seconds * 1000);
  const ticks = masterUsage(pid).ticks - before;
  return (100 * ticks) / CLK_TCK / ((now() - t0) / 1000);
}

/**
 * Blocks (the daemons are other processes) until a process whose argv is
 * `/bin/sleep marker` has exec'd, looking at every pid created since `from`.
 * Returns the time it was seen, or throws after timeoutMs.
 */
function waitExec(from, marker, timeoutMs) {
  const deadline = now() + timeoutMs;
  const candidates = [];
  let last = from;
  for (;;) {
    const current = lastPid();
    for (let p = last + 1; p <= current; p++) candidates.push(p);
    last = current;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const argv = cmdline(candidates[i]);
      if (argv === undefined) candidates.splice(i, 1);
      else if (argv[0]?.endsWith('sleep') && argv[1] === marker) return now();
    }
    if (now() > deadline) throw new Error(`no process 'sleep ${marker}' within ${timeoutMs} ms`);
    nap(0.2);
  }
}

// ---- 1. one node, real daemons ----------------------------------------------

async function oneNode(runs) {
  const dir = mkdtempSync(join(tmpdir(), 'dpd-cluster-bench-'));
  const children = [];
  try {
    const [stats, updates, http] = await Promise.all([freePort(), freePort(), freePort()]);
    const endpoints = { master_stats: `tcp://127.0.0.1:${stats}`, master_updates: `tcp://127.0.0.1:${updates}` };
    const workerFile = join(dir, 'worker.json');
    const masterFile = join(dir, 'master.json');
    const clientFile = join(dir, 'client.json');
    const base = 400_000_000 + (process.pid % 10_000) * 1000; // unique sleep seconds for this run of the bench
    const proc = (i) => ({ name: `p${i}`, run: '/bin/sleep', args: [String(base + i)] });
    let list = [proc(0)];
    writeFileSync(workerFile, JSON.stringify({ procs: [], stop_on_exit: true }));
    writeAtomic(masterFile, {
      ...endpoints,
      http: `127.0.0.1:${http}`,
      heartbeat: values.heartbeat,
      nodes: { node1: list },
    });
    writeFileSync(
      clientFile,
      JSON.stringify({ ...endpoints, node_name: 'node1', conf_file: workerFile, heartbeat: values.heartbeat }),
    );

    const worker = daemon(BIN.worker, workerFile, join(dir, 'worker.log'), children);
    await waitEvent(worker, 'worker.ready');
    const master = daemon(BIN.master, masterFile, join(dir, 'master.log'), children);
    await waitEvent(master, 'master.ready');
    const startFrom = lastPid();
    const client = daemon(BIN.client, clientFile, join(dir, 'client.log'), children);
    await waitEvent(client, 'client.ready');
    waitExec(startFrom, String(base), 20_000); // the chain works end to end
    await sleep(1500);

    const samples = [];
    const stages = [];
    for (let i = 1; i <= runs; i++) {
      list = [...list, proc(i)];
      const next = { ...endpoints, http: `127.0.0.1:${http}`, heartbeat: values.heartbeat, nodes: { node1: list } };
      writeFileSync(`${masterFile}.tmp`, JSON.stringify(next));
      const from = lastPid();
      const t0wall = wall();
      const t0 = now();
      renameSync(`${masterFile}.tmp`, masterFile);
      const seen = waitExec(from, String(base + i), 10_000);
      samples.push(seen - t0);
      // Where the time went, from the daemons' own log timestamps (ms resolution).
      await sleep(300);
      const at = (child, event, match) => {
        const e = child.events.findLast((x) => x.msg === event && match(x));
        return e ? round(e.time - t0wall, 0) : null;
      };
      stages.push({
        masterReload: at(master, 'file.reload', () => true),
        clientWrite: at(client, 'worker-file.write', (e) => e.added?.includes(`p${i}`)),
        workerStart: at(worker, 'proc.start', (e) => e.name === `p${i}`),
        exec: round(seen - t0),
      });
      await sleep(200);
    }
    return { runs, ms: summary(samples), samples: samples.map((x) => round(x)), stagesMs: stages };
  } finally {
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. N simulated nodes ---------------------------------------------------

function simChild(children) {
  const child = fork(fileURLToPath(import.meta.url), ['--sim-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.errors = [];
  child.on('message', (msg) => {
    if (msg.type === 'error') child.errors.push(msg);
  });
  return child;
}

const reply = (child, type, timeoutMs, match = () => true) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`no '${type}' from a simulation process within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (msg) => {
      if (msg.type !== type || !match(msg)) return;
      clearTimeout(timer);
      child.off('message', on);
      child.off('exit', gone);
      resolve(msg);
    };
    const gone = (code, signal) => {
      clearTimeout(timer);
      child.off('message', on);
      reject(new Error(`a simulation process exited (${code ?? signal}) while waiting for '${type}'`));
    };
    child.on('message', on);
    child.once('exit', gone);
  });

async function manyNodes(count, edits, procsWanted, idleSeconds) {
  const dir = mkdtempSync(join(tmpdir(), 'dpd-cluster-bench-'));
  const children = [];
  const sims = [];
  try {
    const [stats, updates, http] = await Promise.all([freePort(), freePort(), freePort()]);
    const endpoints = { master_stats: `tcp://127.0.0.1:${stats}`, master_updates: `tcp://127.0.0.1:${updates}` };
    const masterFile = join(dir, 'master.json');
    const names = Array.from({ length: count }, (_, i) => `sim${i}`);
    const file = (k) => ({
      ...endpoints,
      http: `127.0.0.1:${http}`,
      heartbeat: values.heartbeat,
      nodes: Object.fromEntries(names.map((n) => [n, [{ name: 'a', run: '/bin/sleep', args: [String(1000 + k)] }]])),
    });
    writeAtomic(masterFile, file(0));
    const master = daemon(BIN.master, masterFile, join(dir, 'master.log'), children);
    await waitEvent(master, 'master.ready');
    const rssNoNodes = masterUsage(master.pid).rssMiB;

    const procs = Math.min(count, Math.max(1, procsWanted, Math.ceil(count / Number(values['clients-per-proc']))));
    const per = Math.ceil(count / procs);
    const t0 = now();
    for (let p = 0; p < procs; p++) {
      const child = simChild(children);
      sims.push(child);
      child.send({
        type: 'start',
        names: names.slice(p * per, (p + 1) * per),
        updates: endpoints.master_updates,
        stats: endpoints.master_stats,
        heartbeatMs: 1000 * Number.parseFloat(values.heartbeat),
      });
    }
    await Promise.all(sims.map((child) => reply(child, 'started', 60_000)));
    // Every node has its initial state (revision 1).
    await Promise.all(
      sims.map((child) => {
        const r = reply(child, 'revision', 60_000, (m) => m.revision === 1);
        child.send({ type: 'await', revision: 1 });
        return r;
      }),
    );
    const connectedMs = now() - t0;
    // Every node reported applied revision 1 to the master.
    const hostsUrl = `http://127.0.0.1:${http}/api/hosts/`;
    let lastHosts = 'none';
    await waitFor(
      'every node alive and applied in /api/hosts/',
      async () => {
        const hosts = await (await fetch(hostsUrl)).json();
        const tally = {};
        for (const h of hosts)
          tally[`${h.liveness}/applied=${h.applied}`] = (tally[`${h.liveness}/applied=${h.applied}`] ?? 0) + 1;
        lastHosts = JSON.stringify(tally);
        return hosts.length === count && hosts.every((h) => h.liveness === 'alive' && h.applied === 1);
      },
      60_000,
      200,
    ).catch((error) => {
      throw new Error(`${error.message}; last /api/hosts/: ${lastHosts}`);
    });
    const allAliveMs = now() - t0;
    await sleep(2000);
    const idleRss = masterUsage(master.pid).rssMiB;
    const simTicks = () => sims.reduce((sum, child) => sum + masterUsage(child.pid).ticks, 0);
    const simBefore = simTicks();
    const idleStarted = now();
    const idleCpu = await cpuPercent(master.pid, idleSeconds);
    const simIdleCpu = (100 * (simTicks() - simBefore)) / CLK_TCK / ((now() - idleStarted) / 1000);

    const results = [];
    for (let k = 1; k <= edits; k++) {
      const revision = k + 1;
      const waits = sims.map((child) => reply(child, 'revision', 60_000, (m) => m.revision === revision));
      for (const child of sims) child.send({ type: 'await', revision });
      writeFileSync(`${masterFile}.tmp`, JSON.stringify(file(k)));
      const before = masterUsage(master.pid).ticks;
      const t0wall = wall();
      renameSync(`${masterFile}.tmp`, masterFile);
      const replies = await Promise.all(waits);
      const cpuTicks = masterUsage(master.pid).ticks - before;
      const load = readFileSync('/proc/loadavg', 'latin1').split(' ')[0];
      const latencies = replies.flatMap((r) => r.times).map((t) => t - t0wall);
      const reload = master.events.findLast((e) => e.msg === 'file.reload');
      results.push({
        edit: k,
        revision,
        ms: summary(latencies),
        masterReloadLoggedMs: reload ? round(reload.time - t0wall, 0) : null,
        masterCpuMsDuringEdit: (cpuTicks * 1000) / CLK_TCK,
        loadAverage1m: Number(load),
        rssAfterMiB: round(masterUsage(master.pid).rssMiB),
      });
      await sleep(2000);
    }
    const rssAfter = masterUsage(master.pid).rssMiB;
    const errors = sims.flatMap((c) => c.errors);
    return {
      nodes: count,
      clientProcesses: procs,
      connectAndInitialStateMs: round(connectedMs, 0),
      allAliveAndAppliedMs: round(allAliveMs, 0),
      simulatedNodesIdleCpuPercentOfOneCore: round(simIdleCpu, 1),
      master: {
        rssNoNodesMiB: round(rssNoNodes),
        rssIdleMiB: round(idleRss),
        cpuIdlePercentOfOneCore: round(idleCpu, 2),
        idleWindowSeconds: idleSeconds,
        rssAfterEditsMiB: round(rssAfter),
      },
      edits: results,
      transportErrors: { count: errors.length, first: errors.slice(0, 3) },
    };
  } finally {
    for (const child of sims) {
      if (child.connected) {
        child.send({ type: 'close' });
        await Promise.race([reply(child, 'closed', 10_000).catch(() => undefined), child.exited]);
      }
    }
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const nodeCounts = values.nodes.split(',').filter(Boolean).map(Number);
  const edits = Number(values.edits);
  const runs = Number(values['one-node-runs']);
  const clientProcs = Number(values['client-procs']);
  const idle = Number(values['idle-seconds']);
  const result = { cores: cpus().length, node: process.version, heartbeat: values.heartbeat, openFilesSoftLimit: null };
  try {
    result.openFilesSoftLimit = Number(
      /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'))?.[1],
    );
  } catch {
    // not Linux
  }
  // Other work on the machine skews every number here: say how busy it was.
  result.loadAverageAtStart = readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
  if (runs > 0) result.oneNode = await oneNode(runs);
  result.manyNodes = [];
  for (const count of nodeCounts) result.manyNodes.push(await manyNodes(count, edits, clientProcs, idle));
  result.loadAverageAtEnd = readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
  finish(values, {
    bench: 'cluster',
    command: `npm run build && node tools/bench/cluster.mjs --nodes ${values.nodes} --edits ${edits} --one-node-runs ${runs} --client-procs ${clientProcs} --clients-per-proc ${values['clients-per-proc']} --idle-seconds ${idle}`,
    results: result,
  });
}

if (values['sim-child']) await simChildMain();
else await main();
