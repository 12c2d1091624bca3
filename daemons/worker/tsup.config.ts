import { defineConfig } from 'tsup';
import { daemonBundle } from '../../tools/build/daemon-bundle.js';

export default defineConfig(daemonBundle({ workerd: 'src/workerd/main.ts', ctl: 'src/ctl/main.ts' }));
