import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { log: 'src/log/main.ts', run: 'src/run/main.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
