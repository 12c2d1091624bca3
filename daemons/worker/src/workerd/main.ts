// dpd-workerd: the daemon life of daemonkit around the Worker.
import { daemonMain } from '@diprocd/daemonkit';
import type { WorkerFile } from '@diprocd/procspec';
import { USAGE } from './args.js';
import { loadWorkerFile, workerPaths } from './paths.js';
import { Worker } from './worker.js';

export const main = (argv: string[]) =>
  daemonMain<WorkerFile>(
    {
      name: 'dpd-workerd',
      role: 'worker',
      what: 'worker file',
      usage: USAGE,
      // The processes' default umask: with the worker's own the same, default
      // specs need no wrapper to set it (files the worker creates set their modes).
      umask: 0o077,
      load: loadWorkerFile,
      paths: workerPaths,
      async start(file, worker, text, log) {
        const running = await Worker.start(file, worker, text, log);
        return Object.assign(running, {
          readyFields: { stateDir: running.paths.stateDir, socket: running.paths.socket },
        });
      },
    },
    argv,
    process,
  );

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-workerd: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
