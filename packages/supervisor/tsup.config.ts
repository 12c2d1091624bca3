import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/library-build.js';

export default defineConfig(
  libraryBuild({
    entry: { index: 'src/index.ts', 'log-relay': 'src/relay/log-relay.ts', 'job-runner': 'src/jobs/job-runner.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    // import.meta.url in the CommonJS build too (the log relay's and the job runner's paths).
    shims: true,
  }),
);
