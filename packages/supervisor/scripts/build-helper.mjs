// Builds the spawn helper (native/spawn-helper.c) into dist/, beside the
// bundle that starts it. It needs a C compiler (cc); DPD_NO_SPAWN_HELPER=1
// builds without it, and the supervisor then uses Node's spawn.
import { SOURCE, OUTPUT, compileHelper } from './compile-helper.mjs';

if (process.env.DPD_NO_SPAWN_HELPER === '1') {
  console.log(`spawn helper: not built (DPD_NO_SPAWN_HELPER=1); Node's spawn serves`);
  process.exit(0);
}
if (process.platform !== 'linux') {
  console.log(`spawn helper: not built on ${process.platform} (it is Linux-only); Node's spawn serves`);
  process.exit(0);
}
const why = compileHelper();
if (why) {
  console.error(
    `spawn helper: ${SOURCE} did not build (${why}). Install a C compiler, or set DPD_NO_SPAWN_HELPER=1 to build without it.`,
  );
  process.exit(1);
}
console.log(`spawn helper: built ${OUTPUT}`);
