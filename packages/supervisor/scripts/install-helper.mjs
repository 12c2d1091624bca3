// At install: the spawn helper built again for the installing machine, when
// it has a C compiler. Without one the helper the package was packed with
// stays (built for Linux on x86-64 with glibc); where that cannot run, the
// supervisor notices at its first start and uses Node's spawn. An install
// never fails for the helper.
import { existsSync } from 'node:fs';
import { OUTPUT, compileHelper } from './compile-helper.mjs';

// In the workspace the build makes the helper (scripts/build-helper.mjs).
if (existsSync(new URL('../src', import.meta.url))) process.exit(0);
if (process.env.DPD_NO_SPAWN_HELPER === '1' || process.platform !== 'linux') {
  console.log(
    `@diprocd/supervisor: spawn helper not built (${process.platform !== 'linux' ? `${process.platform} is not Linux` : 'DPD_NO_SPAWN_HELPER=1'}); Node's spawn serves`,
  );
  process.exit(0);
}
const why = compileHelper();
if (why === null) console.log(`@diprocd/supervisor: spawn helper built for this machine (${OUTPUT})`);
else
  console.log(
    `@diprocd/supervisor: spawn helper not built here (${why}); ${existsSync(OUTPUT) ? 'the packed one serves where it can run, else' : 'without it'} Node's spawn serves`,
  );
