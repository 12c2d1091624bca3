// What every diprocd command does with its command line: Node's parseArgs,
// with its errors said in diprocd's words (one line and the --help hint),
// and the version the command was built as.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DiprocdError } from '../errors.js';

// Set by the build (tools/build): the package's version. All diprocd packages share one.
declare const __DPD_VERSION__: string | undefined;

/** The version of diprocd this was built as ("unbuilt" when run from source). */
export const DIPROCD_VERSION: string = typeof __DPD_VERSION__ === 'string' ? __DPD_VERSION__ : 'unbuilt';

/**
 * A mistake on a command line: the command prints it and exits 2. `brief`: one line and the --help hint, without the
 * usage.
 */
export class UsageError extends DiprocdError {
  readonly brief: boolean;

  constructor(message: string, options: { brief?: boolean } = {}) {
    super('DPD_USAGE', message);
    this.name = 'UsageError';
    this.brief = options.brief ?? false;
  }
}

/**
 * Node's parse error in our words: `unknown option --bogus`, `option --file needs a value`, `unexpected argument x`.
 */
function inOurWords(error: NodeJS.ErrnoException): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  // "-c, --file <value>" or "--json": the long name where there is one; an option of one letter is -d, not --d.
  const named = /--[^\s,<]+/.exec(quoted)?.[0] ?? quoted.split(/[\s,]/)[0] ?? quoted;
  const option = /^--.$/.test(named) ? named.slice(1) : named;
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(error.message)
        ? `option ${option} needs a value`
        : `option ${option} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    default:
      return error.message;
  }
}

/** parseArgs, throwing a brief UsageError instead of Node's own. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T & { tokens: true }>>;
  try {
    parsed = parseArgs({ ...config, tokens: true });
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) throw error;
    throw new UsageError(inOurWords(error as NodeJS.ErrnoException), { brief: true });
  }
  // An option of one letter is -d, never --d (Node takes both).
  const doubled = (parsed.tokens ?? []).find(
    (token) => token.kind === 'option' && token.rawName === `--${token.name}` && token.name.length === 1,
  );
  if (doubled?.kind === 'option') throw new UsageError(`unknown option ${doubled.rawName}`, { brief: true });
  const { tokens: _tokens, ...rest } = parsed;
  return (config.tokens ? parsed : rest) as ReturnType<typeof parseArgs<T>>;
}

/** What `command` prints for a usage error: one line and the hint, or the message and the usage. */
export const usageMessage = (command: string, error: UsageError, usage: string): string =>
  error.brief ? `${command}: ${error.message}; see ${command} --help\n` : `${command}: ${error.message}\n\n${usage}\n`;

/** What `command --version` prints. */
export const versionLine = (command: string): string => `${command} ${DIPROCD_VERSION}\n`;
