import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { masterd: 'src/masterd/main.ts', clientd: 'src/clientd/main.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
