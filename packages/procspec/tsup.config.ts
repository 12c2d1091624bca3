import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/library-build.js';

export default defineConfig(
  libraryBuild({
    entry: { index: 'src/index.ts', runtime: 'src/runtime.ts', cli: 'src/cli/dpd-spec.ts' },
    dts: { entry: { index: 'src/index.ts', runtime: 'src/runtime.ts' } },
    // Shared chunks, so DiprocdError is one class whichever entry loads it (ESM and CJS).
    splitting: true,
    // Bundled and tree-shaken, from their ES module builds:
    // - TypeBox's builders: its index loads some 260 modules (about 0.14 s and
    //   10 MiB at start-up) of which the schemas use a few. The package still
    //   depends on it for the types in its .d.ts.
    // - jsonc-parser's scanner and fastest-levenshtein: loaded as CommonJS from
    //   an ES module (Node's CommonJS loader and its export scan) they made
    //   importing procspec take 58 ms instead of 35, for some 20 kB of code.
    noExternal: ['@sinclair/typebox', 'jsonc-parser', 'fastest-levenshtein'],
    esbuildOptions(options) {
      options.mainFields = ['module', 'main'];
    },
  }),
);
