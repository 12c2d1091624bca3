import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', runtime: 'src/runtime.ts', cli: 'src/cli/dpd-spec.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', runtime: 'src/runtime.ts' } },
  // Shared chunks, so DiprocdError is one class whichever entry loads it (ESM and CJS).
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
