import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/library-build.js';

export default defineConfig(
  libraryBuild({
    // The runner is an executable, not part of the API: a supervisor runs `node dist/job-runner.js DIR ID` (see
    // jobProc).
    entry: { index: 'src/index.ts', 'job-runner': 'src/runner/job-runner.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    // import.meta.url in the CommonJS build too (the runner's path).
    shims: true,
  }),
);
