// Memory of a host that embeds @diprocd/supervisor with 200 processes: RSS
// split into the node binary's pages (RssFile) and the rest (RssAnon), and
// V8's heap, read after a forced GC so the figure does not depend on where
// the young generation happened to stand. Run it under the V8 flags to
// compare (they must be given when V8 starts):
//
//   npm run build && node --expose-gc [V8 FLAGS] tools/bench/supervisor-memory.mjs [--procs 200] [--spawner
// helper|node] [--no-record]
//   e.g. node --expose-gc --max-semi-space-size=1 --lite-mode --no-expose-wasm tools/bench/supervisor-memory.mjs
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';
import { normaliseElsewhere, sleep } from './lib/kit.mjs';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '200' },
    spawner: { type: 'string', default: 'helper' },
    ...RECORD_OPTION,
  },
});
const PROCS = Number(values.procs);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const mib = (kib) => Math.round((kib / 1024) * 10) / 10;
const status = () =>
  Object.fromEntries(
    [...readFileSync('/proc/self/status', 'latin1').matchAll(/^(VmRSS|RssAnon|RssFile):\s+(\d+)/gm)].map((m) => [
      m[1],
      mib(Number(m[2])),
    ]),
  );

// Out of process: the validator's memory is not the supervisor's.
const specs = normaliseElsewhere(
  Array.from({ length: PROCS }, (_, i) => ({
    name: `p${i}`,
    run: '/bin/sleep',
    args: [String(900_000 + i)],
    user: process.getuid(),
  })),
);

const bare = status();
const { Supervisor } = await import('@diprocd/supervisor');
const dir = mkdtempSync(join(tmpdir(), 'dpd-bench-mem-'));
const sup = new Supervisor({ stateDir: join(dir, 'state'), spawnHelper: values.spawner === 'helper' });
let measured;
try {
  await sup.apply(specs);
  if (sup.status().filter((s) => s.state === 'running').length !== PROCS) throw new Error('not all running');
  await sleep(2000);
  globalThis.gc();
  await sleep(500);
  const after = status();
  const heap = process.memoryUsage();
  measured = {
    procs: PROCS,
    spawner: values.spawner,
    v8Flags: process.execArgv,
    cores: cpus().length,
    node: process.version,
    bareMiB: bare,
    withProcsMiB: after,
    heapTotalMiB: mib(heap.heapTotal / 1024),
    heapUsedMiB: mib(heap.heapUsed / 1024),
  };
} finally {
  await sup.close({ stopProcesses: true });
  rmSync(dir, { recursive: true, force: true });
}
finish(values, {
  bench: 'supervisor-memory',
  command: `npm run build && node ${process.execArgv.join(' ')} tools/bench/supervisor-memory.mjs --procs ${PROCS} --spawner ${values.spawner}`,
  results: measured,
});
