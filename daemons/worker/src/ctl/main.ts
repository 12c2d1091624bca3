// dpd-ctl: the operator's command line for the local worker.
import { existsSync, openSync, readFileSync, readSync, statSync, closeSync, watch } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ControlError, request } from '../control/client.js';
import { defaultPaths } from '../workerd/paths.js';
import { statusTable } from './format.js';

const DEFAULT_FILE = '/var/lib/diprocd/diprocd-worker.json';

const USAGE = `Usage: dpd-ctl [--socket PATH | --file WORKER.json] COMMAND

Talks to the local dpd-workerd through its control socket (found from the
worker file: its control_socket, else WORKER.sock beside it; default file
${DEFAULT_FILE}).

Commands:
  status [--json]              every process: state, pid, uptime, restarts, last exit
  start NAME                   start a stopped (or failed, or given up) process
  stop NAME                    stop it; it stays stopped until start
  restart NAME
  reset NAME                   forget its failures; one that gave up starts again
  logs NAME [-f]               print its log file (and follow it with -f)
  reload                       re-read the worker file now
  shutdown [--stop-processes]  stop the worker (its processes keep running unless asked)

Exit status: 0 done, 1 the worker refused (e.g. no such process), 2 bad usage,
3 no worker is listening.

Examples:
  dpd-ctl --file /var/lib/diprocd/diprocd-worker.json status
  dpd-ctl stop echo.worker.1`;

class UsageError extends Error {}

function socketPath(options: { socket?: string; file?: string }): string {
  if (options.socket) return resolve(options.socket);
  if (process.env.DPD_SOCKET) return resolve(process.env.DPD_SOCKET);
  const file = resolve(options.file ?? DEFAULT_FILE);
  // Only the socket's path is needed: a broken worker file (when the
  // operator most needs dpd-ctl) must not stand in the way.
  let configured: unknown;
  try {
    configured = (JSON.parse(readFileSync(file, 'utf8')) as { control_socket?: unknown }).control_socket;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`no worker file ${file}; give --file or --socket`);
  }
  return typeof configured === 'string' ? resolve('/', configured) : defaultPaths(file).socket;
}

/** Prints a file, then (with follow) what is appended to it, until interrupted. */
async function showLog(path: string, follow: boolean): Promise<void> {
  if (!existsSync(path)) throw new ControlError('DPD_NO_LOG', `the log file ${path} does not exist (yet)`);
  let offset = 0;
  const drain = () => {
    const size = statSync(path).size;
    if (size < offset) offset = 0; // rotated or truncated
    if (size === offset) return;
    const fd = openSync(path, 'r');
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    offset = size;
    process.stdout.write(buffer);
  };
  drain();
  if (!follow) return;
  const watcher = watch(path, () => drain());
  const timer = setInterval(drain, 500); // in case an event is missed
  await new Promise<void>((done) =>
    process.once('SIGINT', () => {
      watcher.close();
      clearInterval(timer);
      done();
    }),
  );
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      socket: { type: 'string', short: 's' },
      file: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', short: 'f', default: false },
      'stop-processes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  const [command, name, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const needsName = ['start', 'stop', 'restart', 'reset', 'logs'];
  if (!command) throw new UsageError('a command is needed');
  if (needsName.includes(command) ? !name || extra.length > 0 : name !== undefined) {
    throw new UsageError(needsName.includes(command) ? `${command} needs one process NAME` : `${command} takes no NAME`);
  }
  const socket = socketPath(values);
  switch (command) {
    case 'status': {
      const status = await request(socket, { cmd: 'status' });
      process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${statusTable(status.procs)}\n`);
      return 0;
    }
    case 'start':
    case 'stop':
    case 'restart':
    case 'reset': {
      const status = await request(socket, { cmd: command, name: name! });
      process.stdout.write(`${status.name}: ${status.state}${status.pid === null ? '' : ` (pid ${status.pid})`}${status.reason ? ` — ${status.reason}` : ''}\n`);
      return 0;
    }
    case 'logs': {
      const { logs } = await request(socket, { cmd: 'logs', name: name! });
      if (logs === null) throw new ControlError('DPD_NO_LOG', `${name} has no "logs" file (its output goes to /dev/null or to its log_pipe)`);
      await showLog(logs, values.follow);
      return 0;
    }
    case 'reload': {
      const result = await request(socket, { cmd: 'reload' });
      if (!result.valid) {
        process.stderr.write(`dpd-ctl: the worker file is invalid; the last good state keeps running:\n${result.issues.join('\n')}\n`);
        return 1;
      }
      process.stdout.write(result.changed ? 'reloaded\n' : 'unchanged\n');
      return 0;
    }
    case 'shutdown': {
      const result = await request(socket, { cmd: 'shutdown', stopProcesses: values['stop-processes'] });
      process.stdout.write(result.stopping ? 'the worker is stopping its processes and exiting\n' : 'the worker is exiting; its processes keep running\n');
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`dpd-ctl: ${(error as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof ControlError) {
      process.stderr.write(`dpd-ctl: ${error.message} [${error.code}]\n`);
      process.exitCode = error.code === 'DPD_CONTROL_UNREACHABLE' ? 3 : 1;
    } else {
      process.stderr.write(`dpd-ctl: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
