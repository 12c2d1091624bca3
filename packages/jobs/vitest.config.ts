import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Built workspace packages load through Node itself, as users get them
    // (inlined, each entry would be its own module instance).
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
