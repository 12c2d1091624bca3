// Benchmark of @diprocd/supervisor through its public API, with 200
// processes: restart latency after SIGKILL, cold start, idle RSS and CPU,
// apply of one added / one changed entry, stop of all.
//
//   npm run build && node tools/bench/supervisor.mjs [--procs 200] [--samples 200] [--idle-seconds 10] [--settle-seconds 5] [--user nobody]
//
// Restart latency is measured from process.kill(SIGKILL) to the
// supervisor's `proc.start` event for the new run; the event comes after
// spawn() returned, and libuv returns from spawn only once the new program
// has been exec'd, so this is kill → new program image loaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normaliseProc } from '@diprocd/procspec';
import { Supervisor } from '@diprocd/supervisor';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '200' },
    samples: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '10' },
    'settle-seconds': { type: 'string', default: '5' },
    user: { type: 'string' },
  },
});
const PROCS = Number(values.procs);
const SAMPLES = Number(values.samples);
const IDLE_SECONDS = Number(values['idle-seconds']);
// V8 collects the garbage of the cold start over the next few seconds; idle
// is measured after that, as the steady state.
const SETTLE_SECONDS = Number(values['settle-seconds']);
// By default the processes run as the benchmark's own user, so no wrapper
// is involved; --user nobody (as root) measures the setpriv path.
const USER = values.user ?? process.getuid();

const ms = (ns) => Number(ns) / 1e6;
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const spec = (i, extra = {}) =>
  normaliseProc({ name: `p${i}`, run: '/bin/sleep', args: ['100000'], user: USER, restart_limit: { starts: 1000, within: '1s' }, min_uptime: 0, stop_timeout: '5s', ...extra });

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
const sup = new Supervisor({ stateDir: join(dir, 'state') });
const results = {};
try {
  const list = Array.from({ length: PROCS }, (_, i) => spec(i));

  let t = process.hrtime.bigint();
  await sup.apply(list);
  results.coldStartMs = ms(process.hrtime.bigint() - t);
  const running = sup.status().filter((s) => s.state === 'running').length;
  if (running !== PROCS) throw new Error(`only ${running} of ${PROCS} running after cold start`);

  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
  const cpuBefore = process.cpuUsage();
  t = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  results.idleCpuPercent = ((cpu.user + cpu.system) / 1000 / ms(process.hrtime.bigint() - t)) * 100;
  results.idleRssMiB = process.memoryUsage().rss / 2 ** 20;

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
  changed[0] = spec(0, { env: { CHANGED: '1' } });
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
console.log(JSON.stringify({ bench: 'supervisor', procs: PROCS, samples: SAMPLES, user: USER, settleSeconds: SETTLE_SECONDS, idleSeconds: IDLE_SECONDS, cores: cpus().length, node: process.version, ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, round(v)])) }, null, 2));
console.log(`reproduce: npm run build && node tools/bench/supervisor.mjs --procs ${PROCS} --samples ${SAMPLES} --idle-seconds ${IDLE_SECONDS} --settle-seconds ${SETTLE_SECONDS}${values.user ? ` --user ${values.user}` : ''}`);
