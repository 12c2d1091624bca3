// The process spec dpd-run's options describe: the command is one process
// named "cmd", the log command its log_pipe. Validated by procspec like any
// file's, with each issue named by the option that caused it.
import { validate, type Proc, type ProcInput } from '@diprocd/procspec';
import { RunError } from '../errors.js';
import type { RunArgs } from './options.js';

export const NAME = 'cmd';

/** The process spec the options describe (not yet validated). */
export function procInput(args: RunArgs, cwd: string, umask: number): ProcInput {
  const self = { user: process.getuid!(), group: process.getgid!(), groups: process.getgroups!() };
  const asIdentity = (who: { user: string | number; groups: (string | number)[] }) => ({
    user: who.user,
    ...(who.groups.length ? { group: who.groups[0]!, groups: who.groups } : {}),
  });
  const input: ProcInput = {
    name: NAME,
    run: args.command[0]!,
    args: args.command.slice(1),
    cwd,
    umask: umask.toString(8).padStart(3, '0'),
    // As DMon: the command runs as dpd-run does unless -u says otherwise (never the supervisor's "nobody" default).
    ...(args.cmdUser ? asIdentity(args.cmdUser) : self),
    // The command sees the caller's locale, not the supervisor's LC_ALL=C.
    ...(process.env.LC_ALL !== undefined ? { env: { LC_ALL: process.env.LC_ALL } } : {}),
    restart: args.once ? 'on-failure' : 'always',
    // Without -m there is no limit (a 1 ms window never fills); with it, N respawns after the first start.
    restart_limit:
      args.maxRespawns === null
        ? { starts: Number.MAX_SAFE_INTEGER, within: '1ms' }
        : { starts: args.maxRespawns + 1, within: '365d' },
    stop_timeout: '10s',
  };
  if (Object.keys(args.rlimits).length) input.rlimits = args.rlimits;
  if (args.timeoutMs !== null) input.timeout = `${args.timeoutMs}ms`;
  if (args.intervalMs !== null) input.success_delay = `${args.intervalMs}ms`;
  if (args.loadHigh !== null)
    input.load = {
      pause_above: args.loadHigh,
      resume_below: args.loadLow ?? args.loadHigh / 2,
      source: args.loadSource,
    };
  if (args.logCommand) {
    input.log_pipe = args.logCommand;
    input.log_stderr = args.stderrToLog;
    // The log command runs as dpd-run does unless -U says otherwise (not as -u's user).
    input.log_pipe_as = args.logUser ? asIdentity(args.logUser) : self;
  }
  return input;
}

// Which option set each process key, for error messages.
const OPTION_OF: Record<string, string> = {
  run: 'the command',
  args: 'the command',
  cwd: '-W',
  user: '-u',
  group: '-u',
  groups: '-u',
  rlimits: '-r',
  timeout: '-t',
  success_delay: '-i',
  load: '-L/-l',
  log_pipe: 'the log command',
  log_pipe_as: '-U',
};

/**
 * The validated spec, in the current directory with the current umask; or DPD_RUN_OPTIONS naming each issue's option.
 */
export function procSpec(args: RunArgs): Proc {
  const umask = process.umask(0o022);
  process.umask(umask);
  const checked = validate('proc', procInput(args, process.cwd(), umask));
  if (!checked.valid) {
    const lines = checked.issues
      .filter((issue) => issue.severity === 'error')
      .map(
        (issue) =>
          `${OPTION_OF[issue.path.split(/[.[]/)[0]!] ?? issue.path} (${issue.path}): ${issue.message} [${issue.code}]`,
      );
    throw new RunError('DPD_RUN_OPTIONS', lines.join('\n'));
  }
  return checked.value!;
}
