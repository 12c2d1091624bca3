// Benchmark of @diprocd/supervisor through its public API, with 200
// processes: restart latency after SIGKILL, cold start, idle RSS and CPU,
// apply of one added / one changed entry, stop of all.
//
//   npm run build && node tools/bench/supervisor.mjs [--procs 200] [--samples 200] [--idle-seconds 20]
// [--settle-seconds 30] [--user nobody] [--spawner helper|node] [--no-record]
//
// --spawner node measures Node's own spawn (the supervisor's fallback when
// the spawn helper is not built). RSS is the supervisor's own and, with the
// helper, the helper's too (idleRssMiB is their sum).
//
// Restart latency is measured from process.kill(SIGKILL) to the
// supervisor's `proc.start` event for the new run; the event comes after
// spawn() returned, and libuv returns from spawn only once the new program
// has been exec'd, so this is kill → new program image loaded.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';
import { normaliseElsewhere, sleep } from './lib/kit.mjs';
import { Supervisor } from '@diprocd/supervisor';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '200' },
    samples: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '20' },
    'settle-seconds': { type: 'string', default: '30' },
    user: { type: 'string' },
    spawner: { type: 'string', default: 'helper' },
    ...RECORD_OPTION,
  },
});
const PROCS = Number(values.procs);
const SAMPLES = Number(values.samples);
const IDLE_SECONDS = Number(values['idle-seconds']);
// V8 collects the garbage of the cold start over the next seconds: its
// memory reducer runs a few full GCs 8-25 s after a burst (seen with
// --trace-gc and per-thread CPU), which shrink the heap. Their CPU is
// reported apart (settleCpuPercent); idle is measured after them, as the
// steady state.
const SETTLE_SECONDS = Number(values['settle-seconds']);
// By default the processes run as the benchmark's own user, so no wrapper
// is involved; --user nobody (as root) measures the setpriv path.
const USER = values.user ?? process.getuid();

const ms = (ns) => Number(ns) / 1e6;
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const raw = (i, extra = {}) => ({
  name: `p${i}`,
  run: '/bin/sleep',
  args: ['100000'],
  user: USER,
  restart_limit: { starts: 1000, within: '1s' },
  min_uptime: 0,
  stop_timeout: '5s',
  ...extra,
});
// Out of process: the validator's memory is not the supervisor's.
const specs = normaliseElsewhere([
  ...Array.from({ length: PROCS + 1 }, (_, i) => raw(i)),
  raw(0, { env: { CHANGED: '1' } }),
]);
const spec = (i) => specs[i];
const changedFirst = specs[PROCS + 1];

/** This process's CPU, in % of one core, while it waits `seconds`. */
async function cpuPercentWhileWaiting(seconds) {
  const before = process.cpuUsage();
  const t = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1000 / ms(process.hrtime.bigint() - t)) * 100;
}

function nextStart(sup, name) {
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.name !== name) return;
      sup.off('proc.start', listener);
      resolve(process.hrtime.bigint());
    };
    sup.on('proc.start', listener);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'dpd-bench-'));
if (!['helper', 'node'].includes(values.spawner)) throw new Error('--spawner is helper or node');
const sup = new Supervisor({ stateDir: join(dir, 'state'), spawnHelper: values.spawner === 'helper' });

/** RSS in MiB of this process's children named like the spawn helper (0 when none runs). */
function helperRssMiB() {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !stat.includes('(dpd-spawn-help')) continue;
      kib += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return kib / 1024;
}
const results = {};
try {
  const list = Array.from({ length: PROCS }, (_, i) => spec(i));

  let t = process.hrtime.bigint();
  await sup.apply(list);
  results.coldStartMs = ms(process.hrtime.bigint() - t);
  const running = sup.status().filter((s) => s.state === 'running').length;
  if (running !== PROCS) throw new Error(`only ${running} of ${PROCS} running after cold start`);

  // The burst's after-effects (V8's memory reducer runs its full GCs 8-25 s
  // after it) are counted apart; idle is the steady state after them.
  results.settleCpuPercent = await cpuPercentWhileWaiting(SETTLE_SECONDS);
  results.idleCpuPercent = await cpuPercentWhileWaiting(IDLE_SECONDS);
  results.supervisorRssMiB = process.memoryUsage().rss / 2 ** 20;
  results.helperRssMiB = helperRssMiB();
  if (values.spawner === 'helper' && results.helperRssMiB === 0)
    throw new Error('--spawner helper, but no spawn helper runs (was it built?)');
  results.idleRssMiB = results.supervisorRssMiB + results.helperRssMiB;

  const latencies = [];
  for (let i = 0; i < SAMPLES; i++) {
    const name = `p${i % PROCS}`;
    const pid = sup.status().find((s) => s.name === name).pid;
    const started = nextStart(sup, name);
    const killed = process.hrtime.bigint();
    process.kill(pid, 'SIGKILL');
    latencies.push(ms((await started) - killed));
  }
  latencies.sort((a, b) => a - b);
  results.restartMedianMs = quantile(latencies, 0.5);
  results.restartP95Ms = quantile(latencies, 0.95);

  t = process.hrtime.bigint();
  await sup.apply([...list, spec(PROCS)]);
  results.applyOneAddedMs = ms(process.hrtime.bigint() - t);

  const changed = [...list, spec(PROCS)];
  changed[0] = changedFirst;
  t = process.hrtime.bigint();
  await sup.apply(changed);
  results.applyOneChangedMs = ms(process.hrtime.bigint() - t);

  t = process.hrtime.bigint();
  await sup.apply([]);
  results.stopAllMs = ms(process.hrtime.bigint() - t);
} finally {
  await sup.close({ stopProcesses: true });
  rmSync(dir, { recursive: true, force: true });
}

const round = (x) => Math.round(x * 100) / 100;
finish(values, {
  bench: 'supervisor',
  command: `npm run build && node tools/bench/supervisor.mjs --procs ${PROCS} --samples ${SAMPLES} --idle-seconds ${IDLE_SECONDS} --settle-seconds ${SETTLE_SECONDS}${values.user ? ` --user ${values.user}` : ''} --spawner ${values.spawner}`,
  results: {
    spawner: values.spawner,
    procs: PROCS,
    samples: SAMPLES,
    user: USER,
    settleSeconds: SETTLE_SECONDS,
    idleSeconds: IDLE_SECONDS,
    cores: cpus().length,
    node: process.version,
    ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(v)])),
  },
});
