import { controlRequest as request } from '@diprocd/daemonkit';
import type { WorkerCommand } from '../command.js';

/**
 * A command on one process by name (start, stop, restart, reset): the
 * request `{"id": 1, "cmd": CMD, "name": NAME}`, answered with the process's
 * status, printed as `NAME: STATE (pid PID) — REASON`.
 */
export const processCommand = (name: 'start' | 'stop' | 'restart' | 'reset', about: string[]) =>
  ({
    kind: 'worker',
    name,
    takesName: true,
    help: [[`${name} NAME`, ...about]],
    async run({ socket, name: proc }) {
      // A stop or restart lasts as long as the process's stop_timeout: no deadline here.
      const status = await request(socket, { cmd: name, name: proc! }, Infinity);
      process.stdout.write(
        `${status.name}: ${status.state}${status.pid === null ? '' : ` (pid ${status.pid})`}${
          status.reason ? ` — ${status.reason}` : ''
        }\n`,
      );
      return 0;
    },
  }) satisfies WorkerCommand<unknown>;
