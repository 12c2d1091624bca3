// dpd-run's command line: DMon's options with DMon's meaning, read from an
// options file (-C, first), DMON_OPTIONS (prepended) and argv, up to the
// command; after a "--" comes the log command. Which options there are is
// the table in options.ts; this file reads words with it.
import { readFileSync } from 'node:fs';
import { UsageError } from '@diprocd/procspec/runtime';
import { RUN_OPTIONS, optionName, type Answer, type RunArgs, type RunOption } from './options.js';

export { UsageError };
export type { RunArgs };

const BY_LETTER = new Map(RUN_OPTIONS.filter((spec) => spec.short).map((spec) => [spec.short!, spec]));
const BY_NAME = new Map(RUN_OPTIONS.map((spec) => [spec.long, spec]));

/** Splits DMON_OPTIONS like a shell would for plain words and quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g))
    words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3]!));
  return words;
}

/**
 * Reads a -C options file: DMon's long option names, each followed by its
 * value when it takes one, separated by white space; "quoted values"; #
 * comments. Returns the same options as command-line words.
 */
export function readOptionsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `-C ${path}: cannot read the options file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const words = splitWords(text.replace(/#[^\n]*/g, ''));
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const spec = BY_NAME.get(words[i]!);
    if (!spec || words[i] === 'config')
      throw new UsageError(
        `-C ${path}: no such option ${JSON.stringify(
          words[i],
        )} (options are written by their long names, e.g. "timeout 5m")`,
      );
    out.push(`--${words[i]}`);
    if (spec.value !== undefined) {
      if (i + 1 >= words.length) throw new UsageError(`-C ${path}: option ${words[i]} needs a value`);
      out.push(words[++i]!);
    }
  }
  return out;
}

/** The full argument list dpd-run acts on: the -C file's options, then DMON_OPTIONS, then the rest of argv. */
export function expandArgs(argv: string[], env: NodeJS.ProcessEnv): string[] {
  let rest = argv;
  let fromFile: string[] = [];
  if ((rest[0] === '-C' || rest[0] === '--config') && rest.length > 1) {
    fromFile = readOptionsFile(rest[1]!);
    rest = rest.slice(2);
  } else if (rest[0]?.startsWith('--config=')) {
    fromFile = readOptionsFile(rest[0].slice('--config='.length));
    rest = rest.slice(1);
  }
  return [...fromFile, ...splitWords(env.DMON_OPTIONS ?? ''), ...rest];
}

/**
 * The options one word holds, each with its value when written in the word: -x, -xVALUE, -abc (flags together),
 * --long, --long=VALUE.
 */
function optionsIn(word: string): [RunOption, string | undefined][] {
  if (word.startsWith('--')) {
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const spec = BY_NAME.get(name);
    if (!spec) throw new UsageError(`unknown option --${name}`);
    return [[spec, inline]];
  }
  const found: [RunOption, string | undefined][] = [];
  for (let k = 1; k < word.length; k++) {
    const spec = BY_LETTER.get(word[k]!);
    if (!spec) throw new UsageError(`unknown option -${word[k]}`);
    if (spec.value !== undefined) {
      found.push([spec, word.slice(k + 1)]);
      break;
    }
    found.push([spec, undefined]);
  }
  return found;
}

/** RunArgs as they are without options: each field's default from the table. */
function defaults(): RunArgs {
  const fields = RUN_OPTIONS.filter((spec) => spec.key).map((spec) => [spec.key!, structuredClone(spec.default)]);
  return { ...Object.fromEntries(fields), loadFile: null, command: [], logCommand: null } as RunArgs;
}

/** Reads the options (with the table), then the command and the log command, and checks them together. */
export function parseRunArgs(words: string[]): RunArgs | Answer {
  const args = defaults();
  let i = 0;
  const take = (option: string, inline: string | undefined): string => {
    if (inline !== undefined && inline !== '') return inline;
    if (i >= words.length) throw new UsageError(`${option} needs a value`);
    return words[i++]!;
  };
  while (i < words.length) {
    const word = words[i]!;
    if (word === '--') throw new UsageError('expected a command before "--" (the log command comes after the command)');
    if (!word.startsWith('-') || word === '-') break;
    i++;
    for (const [spec, inline] of optionsIn(word)) {
      if (spec.refused) throw new UsageError(spec.refused);
      const option = optionName(spec);
      const value = spec.value === undefined ? true : spec.parse!(option, take(option, inline));
      const answer = spec.set ? spec.set(args, value) : void Object.assign(args, { [spec.key!]: value });
      if (answer) return answer;
    }
  }
  const rest = words.slice(i);
  const split = rest.indexOf('--');
  args.command = split < 0 ? rest : rest.slice(0, split);
  args.logCommand = split < 0 ? null : rest.slice(split + 1);
  checkTogether(args);
  return args;
}

/** What no single option can say wrong: the command is missing, or two options contradict each other. */
function checkTogether(args: RunArgs): void {
  if (args.command.length === 0) throw new UsageError('expected a command to run');
  if (args.logCommand?.length === 0) throw new UsageError('expected a log command after "--"');
  if (args.once && args.intervalMs !== null)
    throw new UsageError(
      '-i and -1 cannot be used together (-1 exits after the first success; -i waits between successes)',
    );
  if (args.loadLow !== null && args.loadHigh === null)
    throw new UsageError('-l needs -L (resume at or below -l once paused above -L)');
  if (args.loadHigh !== null && args.loadHigh <= 0) throw new UsageError('-L must be above 0');
  if (args.loadHigh !== null && args.loadLow !== null && args.loadLow > args.loadHigh)
    throw new UsageError(`-l ${args.loadLow} must be at most -L ${args.loadHigh}`);
  if (args.logUser && !args.logCommand) throw new UsageError('-U needs a log command (after "--")');
  if (args.logSignals && !args.logCommand) throw new UsageError('-S needs a log command (after "--")');
}
