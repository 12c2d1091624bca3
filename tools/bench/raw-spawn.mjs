// The floor for a supervisor written in Node: 200 bare spawn() calls, and
// spawn() again from the `exit` event after SIGKILL, with none of the
// supervisor's work. Run beside supervisor.mjs to tell its overhead from
// the machine's noise.
//
//   node tools/bench/raw-spawn.mjs [--procs 200] [--samples 200] [--no-record]
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({
  options: { procs: { type: 'string', default: '200' }, samples: { type: 'string', default: '200' }, ...RECORD_OPTION },
});
const PROCS = Number(values.procs);
const SAMPLES = Number(values.samples);
const start = () =>
  spawn('/bin/sleep', ['100000'], { detached: true, stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
const ms = (ns) => Number(ns) / 1e6;

const children = [];
const t = process.hrtime.bigint();
for (let i = 0; i < PROCS; i++) children.push(start());
const coldStartMs = ms(process.hrtime.bigint() - t);
const rssMiB = process.memoryUsage().rss / 2 ** 20;

const latencies = [];
for (let i = 0; i < SAMPLES; i++) {
  const slot = i % PROCS;
  const restarted = new Promise((resolve) =>
    children[slot].once('exit', () => {
      children[slot] = start();
      resolve(process.hrtime.bigint());
    }),
  );
  const killed = process.hrtime.bigint();
  process.kill(children[slot].pid, 'SIGKILL');
  latencies.push(ms((await restarted) - killed));
}
for (const child of children) process.kill(child.pid, 'SIGKILL');
latencies.sort((a, b) => a - b);
const round = (x) => Math.round(x * 100) / 100;
finish(values, {
  bench: 'raw-spawn',
  command: `node tools/bench/raw-spawn.mjs --procs ${PROCS} --samples ${SAMPLES}`,
  results: {
    procs: PROCS,
    samples: SAMPLES,
    cores: cpus().length,
    node: process.version,
    coldStartMs: round(coldStartMs),
    rssMiB: round(rssMiB),
    restartMedianMs: round(latencies[Math.floor(SAMPLES / 2)]),
    restartP95Ms: round(latencies[Math.floor(SAMPLES * 0.95)]),
  },
});
