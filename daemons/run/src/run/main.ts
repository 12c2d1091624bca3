// dpd-run: one command supervised the DMon way, on @diprocd/supervisor.
// The command is one supervised process named "cmd"; the log command is
// its log_pipe, whose input stays open across the command's restarts.
import { readinessNotifier, startDaemon } from '@diprocd/daemonkit';
import { versionLine } from '@diprocd/procspec/runtime';
import { RunError } from '../errors.js';
import { UsageError, expandArgs, parseRunArgs, type RunArgs } from './args.js';
import { enterEnvironment, openFiles } from './prepare.js';
import { procSpec } from './proc-spec.js';
import { supervise } from './supervise.js';
import { USAGE } from './usage.js';
import { RLIMIT_HELP } from './values.js';
import { windDown } from './wind-down.js';

const notifier = readinessNotifier();

/** Runs the command until it ends as the options say; resolves with dpd-run's exit status. */
async function run(args: RunArgs): Promise<number> {
  enterEnvironment(args);
  const spec = procSpec(args);
  const status = openFiles(args);
  const supervised = supervise(args, status);
  await supervised.supervisor.apply([spec]);
  const first = supervised.supervisor.status()[0]!;
  if (first.state === 'spawn-failed') notifier.error(`cannot start the command: ${first.reason}`);
  else notifier.ready();
  const code = await supervised.ended;
  await windDown(args, supervised, status);
  return code;
}

// What --help, --version and -r help print instead of running.
const ANSWERS = { help: `${USAGE}\n`, version: versionLine('dpd-run'), 'rlimit-help': `${RLIMIT_HELP}\n` };

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseRunArgs(expandArgs(argv, process.env));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // Every mistake on dpd-run's command line is its line and the hint: its usage is long.
    process.stderr.write(`dpd-run: ${error.message}\nRun "dpd-run --help" for the options.\n`);
    return 2;
  }
  if (typeof args === 'string') {
    process.stdout.write(ANSWERS[args]);
    return 0;
  }
  if (!args.foreground && !notifier.isDaemon) {
    // Without -n: the same command line again, detached, from this directory; return once it runs.
    const started = await startDaemon(process.argv[1]!, argv, '/dev/null', process.cwd());
    if (started.outcome === 'ready') return 0;
    process.stderr.write(
      `dpd-run: ${started.outcome === 'error' ? started.message : 'exited before the command started'}\n`,
    );
    return 1;
  }
  try {
    return await run(args);
  } catch (error) {
    if (!(error instanceof RunError)) throw error;
    process.stderr.write(`dpd-run: ${error.message}\n`);
    notifier.error(error.message);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-run: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
