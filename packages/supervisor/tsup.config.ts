import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'log-relay': 'src/relay/log-relay.ts', 'job-runner': 'src/jobs/job-runner.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // import.meta.url in the CommonJS build too (the log relay's and the job runner's paths).
  shims: true,
});
