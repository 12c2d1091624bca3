import { defineConfig } from 'tsup';
import { daemonBundle } from '../../tools/build/daemon-bundle.js';

export default defineConfig(daemonBundle({ masterd: 'src/masterd/main.ts', clientd: 'src/clientd/main.ts' }));
