// dpd-log throughput: lines per second into a file, buffered (-b) and with
// an fsync per line (the default), timed as whole processes.
//
//   npm run build && node tools/bench/dpd-log.mjs [--lines 1000000] [--synced-lines 20000] [--runs 5] [--no-record]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'synced-lines': { type: 'string', default: '20000' },
    runs: { type: 'string', default: '5' },
    ...RECORD_OPTION,
  },
});
const BIN = fileURLToPath(new URL('../../daemons/run/bin/dpd-log.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dpd-log-bench-'));

function linesPerSecond(count, flags) {
  const input = join(dir, `in-${count}`);
  writeFileSync(input, Array.from({ length: count }, (_, i) => `line number ${i} of the throughput test\n`).join(''));
  const rates = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const out = join(dir, 'out.log');
    rmSync(out, { force: true });
    const started = process.hrtime.bigint();
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" ${flags.join(' ')} "${out}" < "${input}"`]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(result.stderr.toString());
    rates.push(count / seconds);
  }
  return Math.round(rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]);
}

try {
  const lines = Number(values.lines);
  const synced = Number(values['synced-lines']);
  const results = {
    bufferedLinesPerSecond: linesPerSecond(lines, ['-b']),
    bufferedTimestampsLinesPerSecond: linesPerSecond(lines, ['-b', '-t']),
    fsyncPerLineLinesPerSecond: linesPerSecond(synced, []),
  };
  finish(values, {
    bench: 'dpd-log',
    command: `npm run build && node tools/bench/dpd-log.mjs --lines ${lines} --synced-lines ${synced} --runs ${values.runs}`,
    results: {
      lines,
      syncedLines: synced,
      runs: Number(values.runs),
      cores: cpus().length,
      node: process.version,
      ...results,
    },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
