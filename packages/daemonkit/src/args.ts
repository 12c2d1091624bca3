// The arguments every diprocd daemon takes: [-f] [-v] [--log-format F] FILE.
import { parseArgs } from 'node:util';

export interface DaemonArgs {
  file: string;
  foreground: boolean;
  verbose: boolean;
  logFormat: 'human' | 'json' | undefined;
}

/** A mistake on the command line; the daemon prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** Parses a daemon's argv; `what` names its one file in errors ("worker file"). */
export function parseDaemonArgs(argv: string[], what: string): DaemonArgs | 'help' {
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
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  const format = values['log-format'];
  if (format !== undefined && format !== 'human' && format !== 'json') throw new UsageError(`--log-format must be human or json, not ${JSON.stringify(format)}`);
  return { file: positionals[0]!, foreground: values.foreground, verbose: values.verbose, logFormat: format };
}

/** The arguments that give the same daemon in the foreground (what a daemon re-runs itself with). */
export function foregroundArgv(args: DaemonArgs): string[] {
  return ['-f', ...(args.verbose ? ['-v'] : []), ...(args.logFormat ? ['--log-format', args.logFormat] : []), args.file];
}
