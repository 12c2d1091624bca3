// The process definition: every key a process may have. The original
// diprocd keys keep their names and meaning; new keys are only added. This
// object is the source of truth for the TypeScript input type, the
// validator and the published JSON Schema.
import { Type, type Static } from '@sinclair/typebox';
import { Account, ArgList, Command, Duration, Env, NulFree, Path, Signal, Size, StringList, hinted } from './common.js';
import { NAME_PATTERN, RLIMIT_NAMES, UMASK_PATTERN } from './units.js';

const RlimitValue = Type.Union(
  [Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Literal('unlimited')],
  {
    'x-expected': 'an integer from 0 to 2^53 - 1, or "unlimited"',
    'x-code': 'DPD_SPEC_RLIMIT',
  },
);

const Rlimit = Type.Union(
  [RlimitValue, Type.Object({ soft: RlimitValue, hard: RlimitValue }, { additionalProperties: false })],
  {
    'x-expected': 'an integer from 0 to 2^53 - 1, "unlimited" or {"soft", "hard"}',
    'x-code': 'DPD_SPEC_RLIMIT',
  },
);

export const RestartPolicy = Type.Union(
  [Type.Boolean(), Type.Literal('always'), Type.Literal('on-failure'), Type.Literal('never')],
  {
    description:
      'true or "always": restart whenever it exits; "on-failure": only after a failure; false or "never": run once.',
    'x-expected': 'true, false, "always", "on-failure" or "never"',
  },
);

export const ProcSchema = Type.Object(
  {
    name: hinted(Type.String({ pattern: NAME_PATTERN, description: 'Unique name of the process within its list.' }), {
      'x-expected': 'a name of 1 to 128 characters, without "/", NUL or control characters, not starting with "."',
      'x-code': 'DPD_SPEC_NAME',
    }),
    run: NulFree({ nonEmpty: true, description: 'Program to run: an absolute path, or a name looked up in PATH.' }),
    args: Type.Optional(ArgList('Arguments passed to the program.')),
    env: Type.Optional(Env("Environment added to the supervisor's own (plus LC_ALL=C). Values are never logged.")),
    cwd: Type.Optional(Path('Working directory; a relative path resolves from "/". Default "/".')),
    umask: Type.Optional(
      Type.String({
        pattern: UMASK_PATTERN,
        description: 'Octal umask. Default "077".',
        'x-expected': 'an octal umask string such as "077" or "022"',
        'x-code': 'DPD_SPEC_UMASK',
      }),
    ),
    user: Type.Optional(
      Account('User to run as. Default "nobody" when the supervisor is root, else unchanged.', 'user'),
    ),
    group: Type.Optional(Account("Primary group. Default: the user's primary group.", 'group')),
    groups: Type.Optional(
      Type.Array(Account('A supplementary group.', 'group'), {
        description: "Supplementary groups. Default: the user's groups from the group database.",
        'x-expected': 'an array of group names or ids',
      }),
    ),
    chroot: Type.Optional(
      Type.String({
        pattern: '^/[^\\u0000]*$',
        description: 'Directory to chroot into before running (needs root). "/" means none.',
        'x-expected': 'an absolute path without NUL',
      }),
    ),
    rlimits: Type.Optional(
      Type.Record(Type.String({ pattern: `^(?:${RLIMIT_NAMES.join('|')})$` }), Rlimit, {
        additionalProperties: false,
        description: `Resource limits by prlimit name (${RLIMIT_NAMES.join(', ')}).`,
        'x-expected': 'an object of resource limits',
        'x-code': 'DPD_SPEC_RLIMIT',
      }),
    ),
    pid_file: Type.Optional(Path('Pid file of the process.')),
    write_pid: Type.Optional(
      Type.Boolean({ description: 'The supervisor writes pid_file. Default true, or false with daemon: true.' }),
    ),
    daemon: Type.Optional(
      Type.Boolean({
        description: 'The program forks and writes pid_file itself; the supervisor watches that pid. Default false.',
      }),
    ),
    logs: Type.Optional(
      Path('Append stdout and stderr to this file. Without logs or log_pipe, output goes to /dev/null.'),
    ),
    log_timestamps: Type.Optional(
      Type.Boolean({ description: 'Prefix each log line with a UTC timestamp. Default false.' }),
    ),
    log_max_size: Type.Optional(Size('Rotate the log file when it reaches this size.')),
    log_keep: Type.Optional(Type.Integer({ minimum: 0, description: 'Rotated log files to keep. Default 5.' })),
    log_pipe: Type.Optional(Command('Pipe output to this command; its input stays open across restarts.')),
    log_pipe_as: Type.Optional(
      Type.Object(
        {
          user: Account('User the log command runs as.', 'user'),
          group: Type.Optional(Account("Its primary group. Default: the user's primary group.", 'group')),
          groups: Type.Optional(
            Type.Array(Account('A supplementary group.', 'group'), {
              description: "Its supplementary groups. Default: the user's groups.",
              'x-expected': 'an array of group names or ids',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Run the log_pipe command as another identity (needs root). Default: the process's own.",
        },
      ),
    ),
    log_stderr: Type.Optional(
      Type.Boolean({
        description:
          "Send stderr to logs or log_pipe too. false: only stdout is logged, stderr goes where the supervisor's own goes. Default true.",
      }),
    ),
    restart: Type.Optional(RestartPolicy),
    restart_limit: Type.Optional(
      Type.Object(
        {
          starts: Type.Optional(
            Type.Integer({ minimum: 1, description: 'Starts allowed within the window. Default 5.' }),
          ),
          within: Type.Optional(Duration('The window. Default "60s".', { positive: true })),
        },
        {
          additionalProperties: false,
          description:
            'More starts than this within the window: the process is given up. Default {"starts": 5, "within": "60s"}; a key left out keeps its default.',
        },
      ),
    ),
    backoff: Type.Optional(
      Type.Object(
        {
          initial: Type.Optional(Duration('First delay. Default "100ms".')),
          max: Type.Optional(Duration('Largest delay. Default "30s".', { positive: true })),
        },
        {
          additionalProperties: false,
          description: 'Delay before restarting a run shorter than min_uptime, doubling per quick failure.',
        },
      ),
    ),
    min_uptime: Type.Optional(
      Duration('A run at least this long resets the backoff and restarts at once. Default "1s".'),
    ),
    success_delay: Type.Optional(
      Duration('After a run that exits 0, wait this long before starting it again (with restart "always"). Default 0.'),
    ),
    stop_signal: Type.Optional(Signal('Signal for a graceful stop, sent to the process group. Default "SIGTERM".')),
    stop_timeout: Type.Optional(Duration('Grace period before SIGKILL to the group. Default "10s".')),
    timeout: Type.Optional(
      Duration('Limit on each run; then the process is stopped and restart applies.', { positive: true }),
    ),
    load: Type.Optional(
      Type.Object(
        {
          pause_above: Type.Number({
            exclusiveMinimum: 0,
            description: 'Pause (SIGSTOP) while the load is above this.',
          }),
          resume_below: Type.Optional(
            Type.Number({ minimum: 0, description: 'Resume (SIGCONT) at or below this. Default half of pause_above.' }),
          ),
          source: Type.Optional(
            Type.Union([Type.Literal('loadavg1'), Type.Literal('psi-cpu')], {
              description:
                'Load signal: the 1-minute load average, or Linux CPU pressure (some avg10). Default "loadavg1".',
              'x-expected': '"loadavg1" or "psi-cpu"',
            }),
          ),
          interval: Type.Optional(Duration('How often to sample the load. Default "1s".', { positive: true })),
        },
        { additionalProperties: false, description: 'Pause the process group while the machine is overloaded.' },
      ),
    ),
    depends: Type.Optional(StringList('Names of processes that must be running before this one starts.')),
  },
  { additionalProperties: false, title: 'diprocd process', description: 'One supervised process.' },
);

/** A process definition as written in a file (before defaults). */
export type ProcInput = Static<typeof ProcSchema>;
export type RestartInput = Static<typeof RestartPolicy>;
