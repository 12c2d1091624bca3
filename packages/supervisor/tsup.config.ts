import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/library-build.js';

export default defineConfig(
  libraryBuild({
    entry: { index: 'src/index.ts', host: 'src/host.ts', 'log-relay': 'src/relay/log-relay.ts' },
    dts: { entry: { index: 'src/index.ts', host: 'src/host.ts' } },
    // import.meta.url in the CommonJS build too (the paths of the log relay and the spawn helper).
    shims: true,
  }),
);
