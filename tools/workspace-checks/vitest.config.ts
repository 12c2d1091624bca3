import { defineConfig } from 'vitest/config';

// The install check runs npm and tsc on real tarballs: seconds per test, not milliseconds.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 } });
