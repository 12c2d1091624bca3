// Rewrites BENCHMARKS.md from the stored runs (tools/bench/results/*.json)
// alone, running no benchmark. --check only compares, and exits 1 when the
// file is not what the runs make.
//
//   node tools/bench/render.mjs [--check]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCHMARKS_MD, loadHistories, renderBenchmarks, writeBenchmarks } from './lib/history.mjs';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
if (values.check) {
  const fresh = readFileSync(BENCHMARKS_MD, 'utf8') === renderBenchmarks(loadHistories());
  console.error(
    fresh
      ? 'BENCHMARKS.md is what the stored runs make'
      : 'BENCHMARKS.md differs from the stored runs: run node tools/bench/render.mjs',
  );
  process.exitCode = fresh ? 0 : 1;
} else {
  writeBenchmarks();
  console.error(`${BENCHMARKS_MD} rewritten`);
}
