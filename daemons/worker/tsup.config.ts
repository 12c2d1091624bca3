import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { workerd: 'src/workerd/main.ts', ctl: 'src/ctl/main.ts' },
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
});
