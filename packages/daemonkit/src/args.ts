// The arguments every diprocd daemon takes: [-f] [-v] [--log-format F] FILE.
import { UsageError, parseCommandLine } from '@diprocd/procspec/runtime';

export { UsageError };

export interface DaemonArgs {
  file: string;
  foreground: boolean;
  verbose: boolean;
  logFormat: 'human' | 'json' | undefined;
}

/** Parses a daemon's argv; `what` names its one file in errors ("worker file"). */
export function parseDaemonArgs(argv: string[], what: string): DaemonArgs | 'help' | 'version' {
  const { values, positionals } = parseCommandLine({
    args: argv,
    options: {
      foreground: { type: 'boolean', short: 'f', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (positionals.length !== 1) throw new UsageError(`expected exactly one ${what}`);
  const format = values['log-format'];
  if (format !== undefined && format !== 'human' && format !== 'json')
    throw new UsageError(`--log-format must be human or json, not ${JSON.stringify(format)}`);
  return { file: positionals[0]!, foreground: values.foreground, verbose: values.verbose, logFormat: format };
}

/** The arguments that give the same daemon in the foreground (what a daemon re-runs itself with). */
export function foregroundArgv(args: DaemonArgs): string[] {
  return [
    '-f',
    ...(args.verbose ? ['-v'] : []),
    ...(args.logFormat ? ['--log-format', args.logFormat] : []),
    args.file,
  ];
}
