// dpd-run's options as data: DMon's letters and long names, the value each
// takes, where it goes in RunArgs (and its default there), and its lines in
// --help, in --help's order. args.ts reads a command line with this table,
// usage.ts prints it.
import type { RlimitName } from '@diprocd/procspec';
import { count, duration, environ, identity, loadSource, number, rlimit, text, type Identity } from './values.js';

/** What dpd-run is asked to do, read from its command line. */
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

/** An option that answers instead of running: --help, --version, -r help. */
export type Answer = 'help' | 'version' | 'rlimit-help';

/**
 * One option. A flag has no `value`; the parser's value (a flag's `true`) goes to `key`, unless `set` says otherwise.
 */
export interface RunOption<T = unknown> {
  /** DMon's long name: --name on the command line, name in a -C file. */
  long: string;
  short?: string;
  /** The value's name in --help; absent for a flag. */
  value?: string;
  parse?: (option: string, text: string) => T;
  /** The RunArgs field the option sets, and that field's value without it. */
  key?: keyof RunArgs;
  default?: unknown;
  /** How a value other than a plain field's goes into RunArgs; or the answer it asks for instead of a run. */
  set?: (args: RunArgs, value: T) => Answer | void;
  /** Refused wherever the table's loop meets it (-C, read before the loop, comes first). */
  refused?: string;
  /** Its lines in --help, after the option. */
  help: string[];
}

const option = <T>(spec: RunOption<T>) => spec as RunOption;

export const RUN_OPTIONS: readonly RunOption[] = [
  option({
    short: 'n',
    long: 'no-daemon',
    key: 'foreground',
    default: false,
    help: ['stay in the foreground (default: become a daemon and', 'return once the command runs)'],
  }),
  option({
    short: '1',
    long: 'once',
    key: 'once',
    default: false,
    help: ['exit 0 once cmd succeeds (exit code 0); a failure', '(non-zero code, signal, timeout) runs it again'],
  }),
  option({
    short: 'e',
    long: 'stderr-redir',
    key: 'stderrToLog',
    default: false,
    help: ["send cmd's stderr to the log command too (default:", "stdout only; stderr goes where dpd-run's goes)"],
  }),
  option({
    short: 't',
    long: 'timeout',
    value: 'T',
    parse: duration,
    key: 'timeoutMs',
    default: null,
    help: [
      'stop a run that lasts longer than T (SIGTERM to its',
      'process group, SIGKILL 10 s later), then run it again',
    ],
  }),
  option({
    short: 'i',
    long: 'interval',
    value: 'T',
    parse: duration,
    key: 'intervalMs',
    default: null,
    help: ['after a successful run, wait T before the next one', '(not with -1)'],
  }),
  option({
    short: 'm',
    long: 'max-respawns',
    value: 'N',
    parse: count,
    key: 'maxRespawns',
    default: null,
    help: ["respawn at most N times; then exit with cmd's last", 'exit status (default: no limit)'],
  }),
  option({
    short: 'L',
    long: 'load-high',
    value: 'F',
    parse: number,
    key: 'loadHigh',
    default: null,
    help: ['pause cmd (SIGSTOP to its process group) while the', '1-minute load average is above F ...'],
  }),
  option({
    short: 'l',
    long: 'load-low',
    value: 'F',
    parse: number,
    key: 'loadLow',
    default: null,
    help: ['... and resume it (SIGCONT) at or below F (default', 'F/2 of -L). The log command is never paused'],
  }),
  option({
    long: 'load-source',
    value: 'S',
    parse: loadSource,
    key: 'loadSource',
    default: 'loadavg1',
    set: (args, value) => void ('file' in value ? (args.loadFile = value.file) : (args.loadSource = value.source)),
    help: [
      'loadavg1 (default), psi-cpu (CPU pressure, some',
      'avg10), or file:PATH (the number PATH holds, read',
      'each second: a load another tool measures)',
    ],
  }),
  option({
    short: 'p',
    long: 'pid-file',
    value: 'FILE',
    parse: text,
    key: 'pidFile',
    default: null,
    help: ["write dpd-run's own pid to FILE: kill $(cat FILE)", 'stops dpd-run, cmd and the log command'],
  }),
  option({
    short: 'W',
    long: 'work-dir',
    value: 'DIR',
    parse: text,
    key: 'workDir',
    default: null,
    help: ['work in DIR; relative paths are from DIR'],
  }),
  option({
    short: 'E',
    long: 'environ',
    value: 'VAR[=VALUE]',
    parse: environ,
    key: 'environ',
    default: [],
    set: (args, value) => void args.environ.push(value),
    help: ['set VAR (or with no value remove it) for', 'dpd-run and cmd; may be repeated'],
  }),
  option({
    short: 'r',
    long: 'limit',
    value: 'NAME=VALUE',
    parse: rlimit,
    key: 'rlimits',
    default: {},
    set: (args, value) => (value === 'help' ? 'rlimit-help' : void (args.rlimits[value[0]] = value[1])),
    help: ['resource limit for cmd (e.g. nofile=1024,', 'as=2g, cpu=1h); may be repeated; -r help lists them'],
  }),
  option({
    short: 'u',
    long: 'cmd-user',
    value: 'USER[:GROUP...]',
    parse: identity,
    key: 'cmdUser',
    default: null,
    help: ['run cmd as USER with these groups (the', 'first is the primary one); needs root'],
  }),
  option({
    short: 'U',
    long: 'log-user',
    value: 'USER[:GROUP...]',
    parse: identity,
    key: 'logUser',
    default: null,
    help: ['run the log command so (default: as', 'dpd-run runs)'],
  }),
  option({
    short: 's',
    long: 'cmd-sigs',
    key: 'cmdSignals',
    default: false,
    help: [
      'forward SIGCONT, SIGALRM, SIGQUIT, SIGUSR1, SIGUSR2',
      "and SIGHUP to cmd's process group (default: ignore them)",
    ],
  }),
  option({
    short: 'S',
    long: 'log-sigs',
    key: 'logSignals',
    default: false,
    help: ['forward those signals to the log command'],
  }),
  option({
    short: 'I',
    long: 'write-info',
    value: 'FILE',
    parse: text,
    key: 'statusFile',
    default: null,
    help: [
      'append status lines to FILE: "cmd start PID",',
      '"cmd exit PID STATUS" (STATUS as wait(2) gives it),',
      '"cmd timeout PID", "cmd pause PID", "cmd resume PID",',
      '"cmd stop PID", and "log start|exit|stop ..." alike',
    ],
  }),
  option({
    short: 'C',
    long: 'config',
    value: 'FILE',
    refused: '-C must be the first option',
    help: [
      'read options from FILE first (must come first):',
      'long names, each followed by its value, # comments,',
      'e.g. "once  timeout 5m  load-high 4.0"',
    ],
  }),
  option({ short: 'h', long: 'help', set: () => 'help', help: [] }),
  option({ short: 'V', long: 'version', set: () => 'version', help: ['print the version'] }),
];

/** The option as messages name it: its letter, else its long name. */
export const optionName = (spec: RunOption): string => (spec.short ? `-${spec.short}` : `--${spec.long}`);
