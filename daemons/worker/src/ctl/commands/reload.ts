import { controlRequest as request } from '@diprocd/daemonkit';
import type { WorkerCommand } from '../command.js';

/**
 * `reload`: have the worker re-read its file now (as SIGHUP does). A valid
 * change is applied (`reloaded`, or `unchanged`); an invalid file changes
 * nothing and dpd-ctl prints its issues and exits 1.
 *
 * Protocol: `{"id": 1, "cmd": "reload"}` →
 * `{"changed": boolean, "valid": boolean, "issues": ["file:path: reason"…]}`.
 */
export const reload = {
  kind: 'worker',
  name: 'reload',
  takesName: false,
  help: [['reload', 're-read the worker file now']],
  async run({ socket }) {
    const result = await request(socket, { cmd: 'reload' });
    if (!result.valid) {
      process.stderr.write(
        `dpd-ctl: the worker file is invalid; the last good state keeps running:\n${result.issues.join('\n')}\n`,
      );
      return 1;
    }
    process.stdout.write(result.changed ? 'reloaded\n' : 'unchanged\n');
    return 0;
  },
} satisfies WorkerCommand<unknown>;
