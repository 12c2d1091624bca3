// The memory floor of a Node host on this machine: the RSS of a Node
// process that has loaded nothing, and of one that has loaded only the
// built-in modules @diprocd/supervisor needs, before a line of the
// supervisor runs. A supervisor embedded in Node cannot use less.
//
//   node tools/bench/node-floor.mjs [--runs 3] [--flags=--lite-mode] [--no-record]
//
// Each figure is read from /proc/self/status by the process itself, 500 ms
// after its start, once its start-up garbage is collected or not (as a
// long-lived host's would be at that point).
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, flags: { type: 'string', default: '' }, ...RECORD_OPTION },
});
const RUNS = Number(values.runs);
const flags = values.flags.split(' ').filter(Boolean);

// What the supervisor's modules import from Node (packages/supervisor/dist).
const NEEDED = ['child_process', 'net', 'crypto', 'fs/promises', 'stream', 'util', 'os', 'url'];

function rssKiB(modules) {
  const script = `for (const m of ${JSON.stringify(modules)}) require(m); setTimeout(() => process.stdout.write(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'latin1'))[1]), 500);`;
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'latin1' }));
}

const results = {};
for (const [name, modules] of [
  ['nothing loaded', []],
  ['the built-in modules the supervisor needs', NEEDED],
]) {
  const runs = Array.from({ length: RUNS }, () => rssKiB(modules) / 1024);
  results[name] = runs.map((mib) => Math.round(mib * 10) / 10);
}
finish(values, {
  bench: 'node-floor',
  command: `node tools/bench/node-floor.mjs --runs ${RUNS}${values.flags ? ` --flags="${values.flags}"` : ''}`,
  results: { cores: cpus().length, node: process.version, flags: values.flags, modules: NEEDED, rssMiB: results },
});
