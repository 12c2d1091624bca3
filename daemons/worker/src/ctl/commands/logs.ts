import { createReadStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { controlRequest as request } from '@diprocd/daemonkit';
import { CtlError } from '../../errors.js';
import type { WorkerCommand } from '../command.js';

/**
 * `logs NAME [-f]`: print a process's log file, and with -f follow it
 * (across rotation) until interrupted. dpd-ctl reads the file itself: the
 * worker only says where it is.
 *
 * Protocol: `{"id": 1, "cmd": "logs", "name": NAME}` →
 * `{"name": NAME, "logs": PATH | null}` (null: its output goes to
 * /dev/null or to its log_pipe, `DPD_NO_LOG`).
 */
export const logs = {
  kind: 'worker',
  name: 'logs',
  takesName: true,
  help: [['logs NAME [-f]', 'print its log file (and follow it with -f)']],
  options: { follow: { type: 'boolean', short: 'f', default: false } },
  async run({ socket, name, values }) {
    const { logs: path } = await request(socket, { cmd: 'logs', name: name! });
    if (path === null)
      throw new CtlError('DPD_NO_LOG', `${name} has no "logs" file (its output goes to /dev/null or to its log_pipe)`);
    await showLog(path, values.follow);
    return 0;
  },
} satisfies WorkerCommand<{ follow: boolean }>;

/**
 * Prints a file, then (with follow) what is appended to it, until interrupted. Streams: never the whole file in
 * memory.
 */
async function showLog(path: string, follow: boolean): Promise<void> {
  if (!existsSync(path)) throw new CtlError('DPD_NO_LOG', `the log file ${path} does not exist (yet)`);
  // A reader that went away (dpd-ctl logs x | head) ends us quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  let offset = 0;
  let inode = statSync(path).ino;
  const copy = async () => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.ino !== inode || stat.size < offset) {
      inode = stat.ino; // rotated or truncated: start the new file from its beginning
      offset = 0;
    }
    if (stat.size === offset) return;
    const end = stat.size;
    for await (const chunk of createReadStream(path, { start: offset, end: end - 1 })) {
      if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    }
    offset = end;
  };
  await copy();
  if (!follow) return;
  let busy: Promise<void> = Promise.resolve();
  const check = () => (busy = busy.then(copy));
  const timer = setInterval(check, 200);
  await new Promise<void>((done) => process.once('SIGINT', () => (clearInterval(timer), done())));
}
