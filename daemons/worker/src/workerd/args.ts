import { parseArgs } from 'node:util';

export const USAGE = `Usage: dpd-workerd [-f] [-v] [--log-format human|json] worker.json

Supervises the processes the worker file lists, and follows the file: an
edit moves only the processes it changes; an invalid file changes nothing.

  -f, --foreground   stay in the foreground, log to stderr (default: run as a
                     daemon, log to log_file, return once it is ready)
  -v, --verbose      log every state change and file check
  --log-format FMT   human (default on a terminal) or json (one event a line)
  -h, --help

Signals: SIGHUP re-reads the file now; SIGTERM and SIGINT stop the worker
and leave its processes running (the next worker adopts them), unless the
file says "stop_on_exit": true.

Example:
  dpd-workerd -f -v /var/lib/diprocd/diprocd-worker.json`;

export interface WorkerArgs {
  file: string;
  foreground: boolean;
  verbose: boolean;
  logFormat: 'human' | 'json' | undefined;
}

export class UsageError extends Error {}

export function parseWorkerArgs(argv: string[]): WorkerArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        foreground: { type: 'boolean', short: 'f', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        'log-format': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new UsageError('expected exactly one worker file');
  const format = values['log-format'];
  if (format !== undefined && format !== 'human' && format !== 'json') throw new UsageError(`--log-format must be human or json, not ${JSON.stringify(format)}`);
  return { file: positionals[0]!, foreground: values.foreground, verbose: values.verbose, logFormat: format };
}
