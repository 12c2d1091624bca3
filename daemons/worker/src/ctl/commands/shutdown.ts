import { controlRequest as request } from '@diprocd/daemonkit';
import type { WorkerCommand } from '../command.js';

/**
 * `shutdown [--stop-processes]`: stop the worker. Its processes keep
 * running, for the next worker to adopt, unless --stop-processes (or the
 * file's stop_on_exit) says to stop them too. The worker answers, then goes.
 *
 * Protocol: `{"id": 1, "cmd": "shutdown", "stopProcesses": boolean}` →
 * `{"stopping": boolean}` (whether it stops its processes).
 */
export const shutdown = {
  kind: 'worker',
  name: 'shutdown',
  takesName: false,
  help: [['shutdown [--stop-processes]', 'stop the worker (its processes keep running unless asked)']],
  options: { 'stop-processes': { type: 'boolean', default: false } },
  async run({ socket, values }) {
    const result = await request(socket, { cmd: 'shutdown', stopProcesses: values['stop-processes'] });
    process.stdout.write(
      result.stopping
        ? 'the worker is stopping its processes and exiting\n'
        : 'the worker is exiting; its processes keep running\n',
    );
    return 0;
  },
} satisfies WorkerCommand<{ 'stop-processes': boolean }>;
