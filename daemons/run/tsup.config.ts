import { defineConfig } from 'tsup';
import { daemonBundle } from '../../tools/build/daemon-bundle.js';

export default defineConfig(daemonBundle({ log: 'src/log/main.ts', run: 'src/run/main.ts' }));
