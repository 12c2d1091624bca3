// dpd-ctl: the operator's command line for the local worker (and, with
// --master, a look at the whole cluster and its jobs). One file a command
// under commands/; this file builds the command table, the options and
// --help from them, and turns errors into messages and exit codes.
import { ControlError } from '@diprocd/daemonkit';
import { UsageError, parseCommandLine, usageMessage, versionLine } from '@diprocd/procspec/runtime';
import { CtlError } from '../errors.js';
import type { CtlCommand, HelpRow, WorkerCommand } from './command.js';
import { job } from './commands/job.js';
import { keygen } from './commands/keygen.js';
import { logs } from './commands/logs.js';
import { reload } from './commands/reload.js';
import { reset } from './commands/reset.js';
import { restart } from './commands/restart.js';
import { shutdown } from './commands/shutdown.js';
import { start } from './commands/start.js';
import { status } from './commands/status.js';
import { stop } from './commands/stop.js';
import { masterUrl } from './master-status.js';
import { DEFAULT_FILE, socketPath } from './socket-path.js';

/** In --help's order. */
const COMMANDS = [status, start, stop, restart, reset, logs, reload, shutdown, keygen, job] as const;

// Where the local worker or the master is; and --help, --version.
const GLOBAL_OPTIONS = {
  socket: { type: 'string', short: 's' },
  file: { type: 'string', short: 'c' },
  master: { type: 'string', short: 'm' },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'V', default: false },
} as const;

// Every command's options, merged (a name two commands take means the same in both).
// Merged<A | B> is A & B: the parsed values are typed with every command's options.
type Merged<T> = (T extends unknown ? (x: T) => void : never) extends (x: infer I) => void ? I : never;
type CommandOptions = Merged<Extract<(typeof COMMANDS)[number], { options: object }>['options']>;
const OPTIONS = Object.assign(
  {},
  GLOBAL_OPTIONS,
  ...COMMANDS.map((command) => ('options' in command ? command.options : {})),
) as typeof GLOBAL_OPTIONS & CommandOptions;

const HELP_COLUMN = 29;
const helpRows = (rows: readonly HelpRow[]) =>
  rows.flatMap(([usage, first = '', ...more]) => [
    `  ${usage.padEnd(HELP_COLUMN)}${first}`.trimEnd(),
    ...more.map((line) => `${' '.repeat(HELP_COLUMN + 2)}${line}`),
  ]);

const USAGE = [
  [
    '[--socket PATH | --file WORKER.json] COMMAND',
    ...COMMANDS.flatMap((command) => ('synopsis' in command ? command.synopsis : [])),
    '--help | --version',
  ]
    .map((line, i) => `${i === 0 ? 'Usage:' : '      '} dpd-ctl ${line}`)
    .join('\n'),
  `Talks to the local dpd-workerd through its control socket (found from the
worker file: its control_socket, else WORKER.sock beside it; default file
${DEFAULT_FILE}).`,
  `With --master URL (or DPD_MASTER=URL, when neither --socket nor --file is
given), status asks dpd-masterd's HTTP API about every process on every
node instead.`,
  [
    'Commands:',
    ...helpRows(COMMANDS.filter((command) => !('section' in command)).flatMap((command) => command.help)),
  ].join('\n'),
  ...COMMANDS.flatMap((command) =>
    'section' in command ? [[command.section, ...helpRows(command.help)].join('\n')] : [],
  ),
  `Exit status: 0 done, 1 the worker or master refused (or the socket refused
this user: permission denied) or the master is unreachable, 2 bad usage,
3 no worker is listening.`,
  `Examples:
  dpd-ctl --file /var/lib/diprocd/diprocd-worker.json status
  dpd-ctl stop echo.worker.1
  dpd-ctl --master http://127.0.0.1:5080 status
  dpd-ctl keygen --dir /etc/diprocd/keys master
  DPD_API_TOKEN=… dpd-ctl --master http://127.0.0.1:5080 job submit build.json --follow`,
].join('\n\n');

type Values = ReturnType<typeof parse>['values'];
const parse = (argv: string[]) => parseCommandLine({ args: argv, options: OPTIONS, allowPositionals: true });

/** Said with "no worker is listening" when the socket's path was a guess (the worker file could not be parsed). */
let socketGuess: string | undefined;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const [name, ...args] = positionals;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(versionLine('dpd-ctl'));
    return 0;
  }
  if (!name) throw new UsageError('a command is needed');
  const command = (COMMANDS as readonly CtlCommand<Values>[]).find((candidate) => candidate.name === name);
  // Before anything is looked up: a typo is said as one, not as a worker file that cannot be read.
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  if (command.kind === 'local') return command.run(values, args);
  if (values.dir !== undefined) throw new UsageError('--dir goes with keygen only');
  if (command.kind === 'master') return command.run(values, args);
  return onWorker(name, command, values, args);
}

/** A command for the local worker. */
async function onWorker(
  name: string,
  command: WorkerCommand<Values>,
  values: Values,
  [proc, ...extra]: string[],
): Promise<number> {
  if (values.token !== undefined || values['token-file'] !== undefined || values.node !== undefined)
    throw new UsageError('--token-file, --token and --node go with job commands only');
  if (command.takesName ? !proc || extra.length > 0 : proc !== undefined) {
    throw new UsageError(command.takesName ? `${name} needs one process NAME` : `${name} takes no NAME`);
  }
  // --master wins; DPD_MASTER only when no local worker is named, as DPD_SOCKET yields to --file.
  const master =
    values.master ??
    (values.socket === undefined && values.file === undefined ? process.env.DPD_MASTER || undefined : undefined);
  if (values.master !== undefined && (values.socket !== undefined || values.file !== undefined))
    throw new UsageError('give --master or --socket/--file, not both');
  if (values.master !== undefined && !command.onMaster)
    throw new UsageError(`--master goes with status only; ${name} acts on the local worker (run dpd-ctl on that node)`);
  if (master !== undefined && command.onMaster) return command.onMaster(masterUrl(master, values.master), values);
  const socket = socketPath(values);
  socketGuess = socket.guess;
  return command.run({ socket: socket.path, name: proc, values });
}

/** What dpd-ctl prints for an error, and its exit status. */
function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(usageMessage('dpd-ctl', error, USAGE));
    return 2;
  }
  if (error instanceof CtlError) {
    process.stderr.write(`dpd-ctl: ${error.message} [${error.code}]\n`);
    return error.exitCode;
  }
  if (error instanceof ControlError) {
    const unreachable = error.code === 'DPD_CONTROL_UNREACHABLE';
    process.stderr.write(`dpd-ctl: ${error.message} [${error.code}]\n`);
    if (unreachable && socketGuess) process.stderr.write(`dpd-ctl: note: ${socketGuess}\n`);
    return unreachable ? 3 : 1;
  }
  process.stderr.write(`dpd-ctl: internal error: ${(error as Error).stack ?? String(error)}\n`);
  return 70;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
