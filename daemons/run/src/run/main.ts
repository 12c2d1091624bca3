// dpd-run: one command supervised the DMon way, on @diprocd/supervisor.
// The command is one supervised process named "cmd"; the log command is
// its log_pipe, whose input stays open across the command's restarts.
import { closeSync, constants as fsConstants, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readinessNotifier, startDaemon } from '@diprocd/daemonkit';
import { validate, type Proc, type ProcInput } from '@diprocd/procspec';
import { versionLine } from '@diprocd/procspec/runtime';
import { Supervisor, type ExitStatus } from '@diprocd/supervisor';
import { removePidFile, writePidFile } from '@diprocd/supervisor/host';
import { RLIMIT_HELP, UsageError, expandArgs, parseRunArgs, type RunArgs } from './args.js';
import { USAGE } from './usage.js';

const NAME = 'cmd';
/** DMon's exit status when the command cannot be executed at all. */
export const EXIT_CANNOT_RUN = 111;
// Signals dpd-run passes on with -s/-S (and otherwise ignores), as DMon.
const FORWARDED = ['SIGCONT', 'SIGALRM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP'] as const;
const STOPPING = ['SIGTERM', 'SIGINT'] as const;
// How long the log command has to drain its input after the command's end.
const LOG_DRAIN_MS = 5_000;

const notifier = readinessNotifier();

/** The wait(2) status DMon writes in its status lines: code << 8, or the signal number. */
const waitStatus = (exit: Pick<ExitStatus, 'code' | 'signal'>): number =>
  exit.signal ? (osConstants.signals[exit.signal] ?? 0) : (exit.code ?? 0) << 8;

/** A shell's exit status for how a run ended: its code, or 128 + the signal number. */
const shellStatus = (exit: Pick<ExitStatus, 'code' | 'signal'> | null): number =>
  exit?.signal ? 128 + (osConstants.signals[exit.signal] ?? 0) : (exit?.code ?? 1);

/** The process spec the options describe (validated by procspec like any file's). */
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
    restart_limit: args.maxRespawns === null ? { starts: Number.MAX_SAFE_INTEGER, within: '1ms' } : { starts: args.maxRespawns + 1, within: '365d' },
    stop_timeout: '10s',
  };
  if (Object.keys(args.rlimits).length) input.rlimits = args.rlimits;
  if (args.timeoutMs !== null) input.timeout = `${args.timeoutMs}ms`;
  if (args.intervalMs !== null) input.success_delay = `${args.intervalMs}ms`;
  if (args.loadHigh !== null) input.load = { pause_above: args.loadHigh, resume_below: args.loadLow ?? args.loadHigh / 2, source: args.loadSource };
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

/** The number a --load-source file holds, or undefined (the gate then keeps its state). */
function readLoadFile(path: string): number | undefined {
  try {
    const value = Number.parseFloat(readFileSync(path, 'utf8'));
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Appends DMon's status lines ("cmd start PID"…) to the -I file; a write error is reported once, not fatal. */
class StatusFile {
  private fd: number | null;
  private warned = false;
  constructor(path: string | null) {
    this.fd = path === null ? null : openSync(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o666);
  }
  write(line: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (error) {
      if (!this.warned) process.stderr.write(`dpd-run: cannot write the status file: ${(error as Error).message}\n`);
      this.warned = true;
    }
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

async function run(args: RunArgs): Promise<number> {
  if (args.workDir !== null) {
    try {
      process.chdir(args.workDir);
    } catch (error) {
      throw new Failure(`-W ${args.workDir}: cannot use it as the work directory: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  // -E changes dpd-run's own environment, which the command inherits (as DMon).
  for (const { name, value } of args.environ) {
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
  const umask = process.umask(0o022);
  process.umask(umask);
  const checked = validate('proc', procInput(args, process.cwd(), umask));
  if (!checked.valid) {
    const lines = checked.issues
      .filter((issue) => issue.severity === 'error')
      .map((issue) => `${OPTION_OF[issue.path.split(/[.[]/)[0]!] ?? issue.path} (${issue.path}): ${issue.message} [${issue.code}]`);
    throw new Failure(lines.join('\n'));
  }
  const spec: Proc = checked.value!;

  let status: StatusFile;
  try {
    status = new StatusFile(args.statusFile);
  } catch (error) {
    throw new Failure(`-I ${args.statusFile}: cannot open it for writing: ${(error as NodeJS.ErrnoException).code}`);
  }
  if (args.pidFile !== null) {
    try {
      writePidFile(args.pidFile, process.pid);
    } catch (error) {
      status.close();
      throw new Failure(`-p ${args.pidFile}: cannot write it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  const stateDir = mkdtempSync(join(tmpdir(), 'dpd-run-'));
  // A file source stands in for the sampler of the spec's (default) source; unreadable or not a number: no sample.
  const loadSamplers = args.loadFile === null ? {} : { loadavg1: () => readLoadFile(args.loadFile!) };
  const supervisor = new Supervisor({ stateDir, unloggedOutput: 'inherit', pollIntervalMs: 200, loadSamplers });
  let logPid: number | null = null;
  let logExited: () => void = () => undefined;
  const logGone = new Promise<void>((resolve) => (logExited = resolve));
  supervisor
    .on('proc.start', ({ pid }) => status.write(`cmd start ${pid}`))
    .on('proc.exit', (exit) => {
      if (exit.timedOut) status.write(`cmd timeout ${exit.pid}`);
      status.write(`cmd exit ${exit.pid} ${waitStatus(exit)}`);
    })
    .on('proc.paused', ({ pid }) => status.write(`cmd pause ${pid}`))
    .on('proc.resumed', ({ pid }) => status.write(`cmd resume ${pid}`))
    .on('proc.log-start', ({ pid }) => {
      logPid = pid;
      status.write(`log start ${pid}`);
    })
    .on('proc.log-exit', (exit) => {
      status.write(`log exit ${exit.pid} ${waitStatus(exit)}`);
      if (exit.pid === logPid) {
        logPid = null;
        logExited();
      }
    })
    // A spawn failure is told once, with the reason, when dpd-run ends; the
    // supervisor moves to spawn-failed right after this event, synchronously.
    .on('proc.error', ({ error }) => queueMicrotask(() => supervisor.status()[0]?.state !== 'spawn-failed' && process.stderr.write(`dpd-run: ${error.message}\n`)));

  // The end: the command succeeded (-1), gave up (-m), could not run, or a signal asked.
  const ended = new Promise<number>((resolve) => {
    supervisor.on('proc.state', ({ to }) => {
      const now = supervisor.status()[0]!;
      if (to === 'exited') resolve(0);
      else if (to === 'gave-up') {
        process.stderr.write(`dpd-run: ${args.command[0]} was respawned ${args.maxRespawns} ${args.maxRespawns === 1 ? 'time' : 'times'} (-m); giving up\n`);
        resolve(shellStatus(now.lastExit));
      } else if (to === 'spawn-failed' || to === 'failed') {
        process.stderr.write(`dpd-run: cannot start the command: ${now.reason}\n`);
        resolve(to === 'spawn-failed' ? EXIT_CANNOT_RUN : shellStatus(now.lastExit));
      }
    });
    for (const signal of STOPPING) process.on(signal, () => resolve(128 + osConstants.signals[signal]));
  });
  for (const signal of FORWARDED) {
    process.on(signal, () => {
      if (args.cmdSignals) void supervisor.signal(NAME, signal).catch(() => undefined);
      if (args.logSignals) void supervisor.signal(NAME, signal, 'log').catch(() => undefined);
    });
  }

  await supervisor.apply([spec]);
  const first = supervisor.status()[0]!;
  if (first.state === 'spawn-failed') notifier.error(`cannot start the command: ${first.reason}`);
  else notifier.ready();
  const code = await ended;

  const running = supervisor.status()[0]?.pid;
  if (running) status.write(`cmd stop ${running}`);
  await supervisor.close({ stopProcesses: true });
  // The log command has its input closed now: let it write what it still holds, then stop it
  // (SIGTERM to its group, and SIGKILL if it ignores that too).
  if (logPid !== null) {
    const pid: number = logPid;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // gone meanwhile
      }
    };
    const term = setTimeout(() => {
      status.write(`log stop ${pid}`);
      signalGroup('SIGTERM');
    }, LOG_DRAIN_MS);
    const kill = setTimeout(() => signalGroup('SIGKILL'), 2 * LOG_DRAIN_MS);
    await logGone;
    clearTimeout(term);
    clearTimeout(kill);
  }
  status.close();
  rmSync(stateDir, { recursive: true, force: true });
  if (args.pidFile !== null) removePidFile(args.pidFile, process.pid);
  return code;
}

/** A problem found before the command ran: the message is printed, dpd-run exits 1. */
class Failure extends Error {}

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
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args === 'version') {
    process.stdout.write(versionLine('dpd-run'));
    return 0;
  }
  if (args === 'rlimit-help') {
    process.stdout.write(`${RLIMIT_HELP}\n`);
    return 0;
  }
  if (!args.foreground && !notifier.isDaemon) {
    // Without -n: the same command line again, detached, from this directory; return once it runs.
    const started = await startDaemon(process.argv[1]!, argv, '/dev/null', process.cwd());
    if (started.outcome === 'ready') return 0;
    process.stderr.write(`dpd-run: ${started.outcome === 'error' ? started.message : 'exited before the command started'}\n`);
    return 1;
  }
  try {
    return await run(args);
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
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
