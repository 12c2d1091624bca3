// dpd-ctl: the operator's command line for the local worker (and, with
// --master, a read-only look at the whole cluster).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { ControlError, controlRequest as request } from '@diprocd/daemonkit';
import { UsageError, parseCommandLine, usageMessage, versionLine } from '@diprocd/procspec/runtime';
import { defaultPaths } from '../workerd/paths.js';
import { CtlError } from './errors.js';
import { statusTable } from './format.js';
import { jobCommand } from './jobs.js';
import { keygen } from './keygen.js';
import { apiToken } from './token.js';
import { clusterTable, fetchClusterStatus, masterUrl } from './master-status.js';

const DEFAULT_FILE = '/var/lib/diprocd/diprocd-worker.json';

const USAGE = `Usage: dpd-ctl [--socket PATH | --file WORKER.json] COMMAND
       dpd-ctl --master URL status [--json]
       dpd-ctl keygen [--dir DIR] NAME
       dpd-ctl --master URL job submit SPEC.json [--node NODE] [--follow]
       dpd-ctl --master URL job list|show ID|logs ID|cancel ID
       dpd-ctl --help | --version

Talks to the local dpd-workerd through its control socket (found from the
worker file: its control_socket, else WORKER.sock beside it; default file
${DEFAULT_FILE}).

With --master URL (or DPD_MASTER=URL, when neither --socket nor --file is
given), status asks dpd-masterd's HTTP API about every process on every
node instead.

Commands:
  status [--json]              every process: state, pid, uptime, restarts, last exit
  start NAME                   start a stopped (or failed, or given up) process
  stop NAME                    stop it; it stays stopped until start
  restart NAME
  reset NAME                   forget its failures; one that gave up starts again
  logs NAME [-f]               print its log file (and follow it with -f)
  reload                       re-read the worker file now
  shutdown [--stop-processes]  stop the worker (its processes keep running unless asked)
  keygen [--dir DIR] NAME      write a CURVE key pair: DIR/NAME.key (mode 0600) and
                               DIR/NAME.pub (default DIR: the current directory)

Jobs, through the master (--master URL or DPD_MASTER; writes and a job's
log need the API token: DPD_API_TOKEN, or --token-file FILE holding it on
one line; --token TOKEN works but warns, since every user of the host can
read a command line):
  job submit SPEC.json         run a job spec once on a live node; --node pins
                               it, --follow prints its states until it ends
                               (exit 1 when it failed)
  job list [--json]            jobs, newest first
  job show ID | logs ID        one job's record | its log (uploaded when it fails; needs the token)
  job cancel ID                stop it

Exit status: 0 done, 1 the worker or master refused (or the socket refused
this user: permission denied) or the master is unreachable, 2 bad usage,
3 no worker is listening.

Examples:
  dpd-ctl --file /var/lib/diprocd/diprocd-worker.json status
  dpd-ctl stop echo.worker.1
  dpd-ctl --master http://127.0.0.1:5080 status
  dpd-ctl keygen --dir /etc/diprocd/keys master
  DPD_API_TOKEN=… dpd-ctl --master http://127.0.0.1:5080 job submit build.json --follow`;


/** Said with "no worker is listening" when the socket's path was a guess (the worker file could not be parsed). */
let socketGuess: string | undefined;

function socketPath(options: { socket?: string; file?: string }): string {
  if (options.socket) return resolve(options.socket);
  if (process.env.DPD_SOCKET && !options.file) return resolve(process.env.DPD_SOCKET);
  const file = resolve(options.file ?? DEFAULT_FILE);
  // Only the socket's path is needed: a broken worker file (when the
  // operator most needs dpd-ctl) must not stand in the way.
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the worker file ${file}; give --file or --socket`);
  }
  let configured: unknown;
  try {
    configured = (JSON.parse(text) as { control_socket?: unknown }).control_socket;
  } catch {
    // Not even JSON (half-written?): the key itself is usually still there to read.
    configured = /"control_socket"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
    if (typeof configured !== 'string') {
      socketGuess = `${file} is not valid JSON and no control_socket could be read from it, so this is the default path beside it; a worker keeps running on its last good file: if that file set control_socket, give it with --socket`;
    }
  }
  return typeof configured === 'string' ? resolve('/', configured) : defaultPaths(file).socket;
}

/** Prints a file, then (with follow) what is appended to it, until interrupted. Streams: never the whole file in memory. */
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

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    options: {
      socket: { type: 'string', short: 's' },
      file: { type: 'string', short: 'c' },
      master: { type: 'string', short: 'm' },
      dir: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      node: { type: 'string' },
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', short: 'f', default: false },
      'stop-processes': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
    allowPositionals: true,
  });
  const [command, name, ...extra] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(versionLine('dpd-ctl'));
    return 0;
  }
  const needsName = ['start', 'stop', 'restart', 'reset', 'logs'];
  if (!command) throw new UsageError('a command is needed');
  if (command === 'keygen') {
    if (!name || extra.length > 0) throw new UsageError('keygen needs one key NAME (e.g. master, or the node\'s name)');
    if (values.master !== undefined || values.socket !== undefined || values.file !== undefined) throw new UsageError('keygen takes no --master, --socket or --file');
    process.stdout.write(await keygen(values.dir ?? '.', name));
    return 0;
  }
  if (values.dir !== undefined) throw new UsageError('--dir goes with keygen only');
  if (command === 'job') {
    const url = values.master ?? (process.env.DPD_MASTER || undefined);
    if (url === undefined) throw new UsageError('job commands talk to the master: give --master URL (or set DPD_MASTER)');
    if (values.node !== undefined && name !== 'submit') throw new UsageError('--node goes with job submit only');
    return jobCommand(name, extra[0], {
      master: masterUrl(url, values.master === undefined ? 'DPD_MASTER' : '--master'),
      token: apiToken(values, process.env, (line) => process.stderr.write(`dpd-ctl: warning: ${line}\n`)),
      json: values.json,
      follow: values.follow,
      node: values.node,
      out: (text) => process.stdout.write(text),
    });
  }
  if (values.token !== undefined || values['token-file'] !== undefined || values.node !== undefined) throw new UsageError('--token-file, --token and --node go with job commands only');
  if (needsName.includes(command) ? !name || extra.length > 0 : name !== undefined) {
    throw new UsageError(needsName.includes(command) ? `${command} needs one process NAME` : `${command} takes no NAME`);
  }
  // --master wins; DPD_MASTER only when no local worker is named, as DPD_SOCKET yields to --file.
  const master = values.master ?? (values.socket === undefined && values.file === undefined ? process.env.DPD_MASTER || undefined : undefined);
  if (values.master !== undefined && (values.socket !== undefined || values.file !== undefined)) throw new UsageError('give --master or --socket/--file, not both');
  if (values.master !== undefined && command !== 'status') throw new UsageError(`--master goes with status only; ${command} acts on the local worker (run dpd-ctl on that node)`);
  if (master !== undefined && command === 'status') {
    const cluster = await fetchClusterStatus(masterUrl(master, values.master === undefined ? 'DPD_MASTER' : '--master'));
    process.stdout.write(values.json ? `${JSON.stringify(cluster, null, 2)}\n` : `${clusterTable(cluster)}\n`);
    return 0;
  }
  const socket = socketPath(values);
  switch (command) {
    case 'status': {
      const status = await request(socket, { cmd: 'status' });
      process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${statusTable(status.procs)}\n`);
      if (!values.json && status.worker.fileIssues) {
        process.stderr.write(`dpd-ctl: ${status.worker.file} is invalid; the worker runs its last good state:\n${status.worker.fileIssues.join('\n')}\n`);
      }
      return 0;
    }
    case 'start':
    case 'stop':
    case 'restart':
    case 'reset': {
      // A stop or restart lasts as long as the process's stop_timeout: no deadline here.
      const status = await request(socket, { cmd: command, name: name! }, Infinity);
      process.stdout.write(`${status.name}: ${status.state}${status.pid === null ? '' : ` (pid ${status.pid})`}${status.reason ? ` — ${status.reason}` : ''}\n`);
      return 0;
    }
    case 'logs': {
      const { logs } = await request(socket, { cmd: 'logs', name: name! });
      if (logs === null) throw new CtlError('DPD_NO_LOG', `${name} has no "logs" file (its output goes to /dev/null or to its log_pipe)`);
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
    if (error instanceof UsageError) {
      process.stderr.write(usageMessage('dpd-ctl', error, USAGE));
      process.exitCode = 2;
    } else if (error instanceof CtlError) {
      process.stderr.write(`dpd-ctl: ${error.message} [${error.code}]\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof ControlError) {
      process.stderr.write(`dpd-ctl: ${error.message} [${error.code}]\n`);
      if (error.code === 'DPD_CONTROL_UNREACHABLE' && socketGuess) process.stderr.write(`dpd-ctl: note: ${socketGuess}\n`);
      process.exitCode = error.code === 'DPD_CONTROL_UNREACHABLE' ? 3 : 1;
    } else {
      process.stderr.write(`dpd-ctl: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 70;
    }
  },
);
