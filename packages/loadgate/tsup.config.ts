import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tools/build/library-build.js';

export default defineConfig(libraryBuild({ entry: { index: 'src/index.ts' } }));
