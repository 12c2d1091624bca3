// dpd-run's overhead: `dpd-run -n -1 true` against `true` run directly and
// against Node's own start-up (`node -e 0`), each timed as a whole process,
// median of many runs.
//
//   npm run build && node tools/bench/dpd-run.mjs [--runs 30] [--no-record]
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, ...RECORD_OPTION } });
const runs = Number(values.runs);
const BIN = fileURLToPath(new URL('../../daemons/run/bin/dpd-run.js', import.meta.url));

/** Median wall time in ms of `file args…` over `runs` runs (after one warm-up). */
function medianMs(file, args) {
  const times = [];
  for (let run = 0; run <= runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(file, args, { stdio: 'ignore' });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.status ?? result.signal}`);
    if (run > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10;
}

const trueMs = medianMs('/bin/true', []);
const nodeMs = medianMs(process.execPath, ['-e', '0']);
const dpdRunMs = medianMs(process.execPath, [BIN, '-n', '-1', '/bin/true']);
finish(values, {
  bench: 'dpd-run',
  command: `npm run build && node tools/bench/dpd-run.mjs --runs ${runs}`,
  results: {
    runs,
    cores: cpus().length,
    node: process.version,
    trueMs,
    nodeStartMs: nodeMs,
    dpdRunMs,
    overheadMs: Math.round((dpdRunMs - trueMs) * 10) / 10,
    ratioToNodeStart: Math.round((dpdRunMs / nodeMs) * 100) / 100,
  },
});
