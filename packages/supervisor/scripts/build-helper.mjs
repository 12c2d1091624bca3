// Builds the spawn helper (native/spawn-helper.c) into dist/, beside the
// bundle that starts it. It needs a C compiler (cc); DPD_NO_SPAWN_HELPER=1
// builds without it, and the supervisor then uses Node's spawn.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const source = 'native/spawn-helper.c';
const output = 'dist/dpd-spawn-helper';
if (process.env.DPD_NO_SPAWN_HELPER === '1') {
  console.log(`spawn helper: not built (DPD_NO_SPAWN_HELPER=1); Node's spawn serves`);
  process.exit(0);
}
if (process.platform !== 'linux') {
  console.log(`spawn helper: not built on ${process.platform} (it is Linux-only); Node's spawn serves`);
  process.exit(0);
}
mkdirSync('dist', { recursive: true });
const cc = process.env.CC ?? 'cc';
const args = ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-o', output, source];
const result = spawnSync(cc, args, { stdio: 'inherit' });
if (result.error || result.status !== 0) {
  const why = result.error ? `${cc}: ${result.error.code ?? result.error.message}` : `${cc} exited with ${result.status ?? result.signal}`;
  console.error(`spawn helper: ${source} did not build (${why}). Install a C compiler, or set DPD_NO_SPAWN_HELPER=1 to build without it.`);
  process.exit(1);
}
console.log(`spawn helper: built ${output}`);
