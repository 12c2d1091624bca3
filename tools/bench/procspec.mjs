// Benchmark of @diprocd/procspec: validating and diffing large files.
//
//   npm run build && node tools/bench/procspec.mjs [--procs 20000] [--no-record]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { diffProcs, validate } from '@diprocd/procspec';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({ options: { procs: { type: 'string', default: '20000' }, ...RECORD_OPTION } });
const N = Number(values.procs);

function time(run, repeat = 5) {
  const samples = [];
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.round(samples.sort((a, b) => a - b)[Math.floor(repeat / 2)] * 10) / 10;
}

const good = {
  procs: Array.from({ length: N }, (_, i) => ({
    name: `p${i}`,
    run: '/bin/sleep',
    args: ['60'],
    restart: true,
    stop_timeout: '5s',
    env: { A: 'b' },
  })),
};
const bad = { procs: Array.from({ length: N }, (_, i) => ({ name: `p${i}`, run: 1, args: 'x' })) };
const list = validate('worker', good).value.procs;
const changed = list.map((p, i) => (i === 0 ? { ...p, args: ['61'] } : p));

const results = {
  validateValidMs: time(() => validate('worker', good)),
  validateAllInvalidMs: time(() => validate('worker', bad)),
  diffOneChangedMs: time(() => diffProcs(list, changed)),
};
finish(values, {
  bench: 'procspec',
  command: `npm run build && node tools/bench/procspec.mjs --procs ${N}`,
  results: { procs: N, cores: cpus().length, node: process.version, ...results },
});
