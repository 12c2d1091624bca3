// dpd-run's command line: DMon's options with DMon's meaning, read from an
// options file (-C, first), DMON_OPTIONS (prepended) and argv, up to the
// command; after a "--" comes the log command.
import { readFileSync } from 'node:fs';
import { parseDuration, RLIMIT_NAMES, type RlimitName } from '@diprocd/procspec';
import { UsageError } from '@diprocd/procspec/runtime';

export { UsageError };

export interface Identity {
  user: string | number;
  groups: (string | number)[];
}

export interface RunArgs {
  foreground: boolean;
  once: boolean;
  stderrToLog: boolean;
  timeoutMs: number | null;
  intervalMs: number | null;
  maxRespawns: number | null;
  loadHigh: number | null;
  loadLow: number | null;
  loadSource: 'loadavg1' | 'psi-cpu';
  /** With --load-source file:PATH: the load is the number PATH holds (written by another tool). */
  loadFile: string | null;
  pidFile: string | null;
  workDir: string | null;
  environ: { name: string; value: string | null }[];
  rlimits: Partial<Record<RlimitName, number | 'unlimited'>>;
  cmdUser: Identity | null;
  logUser: Identity | null;
  cmdSignals: boolean;
  logSignals: boolean;
  statusFile: string | null;
  command: string[];
  logCommand: string[] | null;
}

type Kind = 'flag' | 'value';
// Short letter → [long name (DMon's), kind]. Long names work as --name and in -C files.
const OPTIONS: Record<string, [string, Kind]> = {
  C: ['config', 'value'],
  n: ['no-daemon', 'flag'],
  e: ['stderr-redir', 'flag'],
  s: ['cmd-sigs', 'flag'],
  S: ['log-sigs', 'flag'],
  '1': ['once', 'flag'],
  I: ['write-info', 'value'],
  p: ['pid-file', 'value'],
  W: ['work-dir', 'value'],
  L: ['load-high', 'value'],
  l: ['load-low', 'value'],
  t: ['timeout', 'value'],
  i: ['interval', 'value'],
  m: ['max-respawns', 'value'],
  E: ['environ', 'value'],
  r: ['limit', 'value'],
  u: ['cmd-user', 'value'],
  U: ['log-user', 'value'],
  h: ['help', 'flag'],
  V: ['version', 'flag'],
};
const LONG: Record<string, [string, Kind]> = {
  ...Object.fromEntries(Object.entries(OPTIONS).map(([letter, [long, kind]]) => [long, [letter, kind]])),
  'load-source': ['load-source', 'value'],
};

// DMon's names for limits (its `-r help`), besides the prlimit names.
const RLIMIT_ALIASES: Record<string, RlimitName> = { vmem: 'as', files: 'nofile', msgq: 'msgqueue' };
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export const RLIMIT_HELP = `Limits for -r NAME=VALUE: ${[...RLIMIT_NAMES, ...Object.keys(RLIMIT_ALIASES).map((a) => `${a} (= ${RLIMIT_ALIASES[a]})`)].join(', ')}.
VALUE is a number, "unlimited", a size with k, m or g (as, data, fsize,
memlock, msgqueue, rss, stack), or a time with s, m, h, d or w (cpu, rttime).`;

/** DMon's durations: seconds, or a number with s m h d w (or ms). */
export function duration(option: string, text: string): number {
  const ms = parseDuration(/^[0-9.]+$/.test(text) ? Number(text) : text);
  if (ms === undefined) throw new UsageError(`${option} ${JSON.stringify(text)}: expected a duration such as 30, 90s, 5m, 2h, 1d or 1w`);
  return ms;
}

function number(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new UsageError(`${option} ${JSON.stringify(text)}: expected a number, e.g. 4.0`);
  return value;
}

function rlimit(text: string): [RlimitName, number | 'unlimited'] {
  const match = /^([a-z]+)=(.+)$/.exec(text);
  if (!match) throw new UsageError(`-r ${JSON.stringify(text)}: expected NAME=VALUE, e.g. -r nofile=1024 (see -r help)`);
  const name = (RLIMIT_ALIASES[match[1]!] ?? match[1]) as RlimitName;
  if (!RLIMIT_NAMES.includes(name)) throw new UsageError(`-r ${JSON.stringify(text)}: unknown limit ${JSON.stringify(match[1])} (see -r help)`);
  const value = match[2]!;
  if (value === 'unlimited') return [name, 'unlimited'];
  const unit = /^([0-9]+)([a-z]?)$/i.exec(value);
  const scale = unit?.[2] ? (name === 'cpu' || name === 'rttime' ? TIME_UNITS : SIZE_UNITS)[unit[2].toLowerCase()] : 1;
  if (!unit || scale === undefined) throw new UsageError(`-r ${JSON.stringify(text)}: expected a whole number, optionally with a unit, or "unlimited"`);
  return [name, Number(unit[1]) * scale * (name === 'rttime' && unit[2] ? 1_000_000 : 1)];
}

function identity(option: string, text: string): Identity {
  const parts = text.split(/[:;]/);
  if (parts.some((part) => part === '')) throw new UsageError(`${option} ${JSON.stringify(text)}: expected user[:group…], e.g. ${option} log:adm`);
  const id = (part: string) => (/^[0-9]+$/.test(part) ? Number(part) : part);
  return { user: id(parts[0]!), groups: parts.slice(1).map(id) };
}

/** Splits DMON_OPTIONS like a shell would for plain words and quotes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) words.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? match[3]!));
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
    throw new UsageError(`-C ${path}: cannot read the options file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const words = splitWords(text.replace(/#[^\n]*/g, ''));
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const spec = LONG[words[i]!];
    if (!spec || words[i] === 'config') throw new UsageError(`-C ${path}: no such option ${JSON.stringify(words[i])} (options are written by their long names, e.g. "timeout 5m")`);
    out.push(`--${words[i]}`);
    if (spec[1] === 'value') {
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

export function parseRunArgs(words: string[]): RunArgs | 'help' | 'version' | 'rlimit-help' {
  const args: RunArgs = {
    foreground: false,
    once: false,
    stderrToLog: false,
    timeoutMs: null,
    intervalMs: null,
    maxRespawns: null,
    loadHigh: null,
    loadLow: null,
    loadSource: 'loadavg1',
    loadFile: null,
    pidFile: null,
    workDir: null,
    environ: [],
    rlimits: {},
    cmdUser: null,
    logUser: null,
    cmdSignals: false,
    logSignals: false,
    statusFile: null,
    command: [],
    logCommand: null,
  };
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
    // -x, -xVALUE, -abc (flags together), --long, --long=VALUE
    const letters: [string, string | undefined][] = [];
    if (word.startsWith('--')) {
      const [name, inline] = word.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const spec = LONG[name];
      if (!spec) throw new UsageError(`unknown option --${name}`);
      letters.push([spec[0], inline]);
    } else {
      for (let k = 1; k < word.length; k++) {
        const letter = word[k]!;
        if (!OPTIONS[letter]) throw new UsageError(`unknown option -${letter}`);
        if (OPTIONS[letter][1] === 'value') {
          letters.push([letter, word.slice(k + 1)]);
          break;
        }
        letters.push([letter, undefined]);
      }
    }
    for (const [letter, inline] of letters) {
      const option = letter.length === 1 ? `-${letter}` : `--${letter}`;
      switch (letter) {
        case 'h':
          return 'help';
        case 'V':
          return 'version';
        case 'C':
          throw new UsageError('-C must be the first option');
        case 'n':
          args.foreground = true;
          break;
        case 'e':
          args.stderrToLog = true;
          break;
        case 's':
          args.cmdSignals = true;
          break;
        case 'S':
          args.logSignals = true;
          break;
        case '1':
          args.once = true;
          break;
        case 'I':
          args.statusFile = take(option, inline);
          break;
        case 'p':
          args.pidFile = take(option, inline);
          break;
        case 'W':
          args.workDir = take(option, inline);
          break;
        case 'L':
          args.loadHigh = number(option, take(option, inline));
          break;
        case 'l':
          args.loadLow = number(option, take(option, inline));
          break;
        case 'load-source': {
          const source = take(option, inline);
          if (source.startsWith('file:') && source.length > 'file:'.length) args.loadFile = source.slice('file:'.length);
          else if (source === 'loadavg1' || source === 'psi-cpu') args.loadSource = source;
          else throw new UsageError(`--load-source ${JSON.stringify(source)}: expected loadavg1, psi-cpu or file:PATH`);
          break;
        }
        case 't':
          args.timeoutMs = duration(option, take(option, inline));
          break;
        case 'i':
          args.intervalMs = duration(option, take(option, inline));
          break;
        case 'm': {
          const text = take(option, inline);
          if (!/^[0-9]+$/.test(text)) throw new UsageError(`-m ${JSON.stringify(text)}: expected a whole number of respawns`);
          args.maxRespawns = Number(text);
          break;
        }
        case 'E': {
          const text = take(option, inline);
          const eq = text.indexOf('=');
          const name = eq < 0 ? text : text.slice(0, eq);
          if (!/^[^=\0]+$/.test(name)) throw new UsageError(`-E ${JSON.stringify(text)}: expected VAR or VAR=VALUE`);
          args.environ.push({ name, value: eq < 0 ? null : text.slice(eq + 1) });
          break;
        }
        case 'r': {
          const text = take(option, inline);
          if (text === 'help') return 'rlimit-help';
          const [name, value] = rlimit(text);
          args.rlimits[name] = value;
          break;
        }
        case 'u':
          args.cmdUser = identity(option, take(option, inline));
          break;
        case 'U':
          args.logUser = identity(option, take(option, inline));
          break;
      }
    }
  }
  const rest = words.slice(i);
  const split = rest.indexOf('--');
  args.command = split < 0 ? rest : rest.slice(0, split);
  args.logCommand = split < 0 ? null : rest.slice(split + 1);
  if (args.command.length === 0) throw new UsageError('expected a command to run');
  if (args.logCommand?.length === 0) throw new UsageError('expected a log command after "--"');
  if (args.once && args.intervalMs !== null) throw new UsageError('-i and -1 cannot be used together (-1 exits after the first success; -i waits between successes)');
  if (args.loadLow !== null && args.loadHigh === null) throw new UsageError('-l needs -L (resume at or below -l once paused above -L)');
  if (args.loadHigh !== null && args.loadHigh <= 0) throw new UsageError('-L must be above 0');
  if (args.loadHigh !== null && args.loadLow !== null && args.loadLow > args.loadHigh) throw new UsageError(`-l ${args.loadLow} must be at most -L ${args.loadHigh}`);
  if (args.logUser && !args.logCommand) throw new UsageError('-U needs a log command (after "--")');
  if (args.logSignals && !args.logCommand) throw new UsageError('-S needs a log command (after "--")');
  return args;
}
