// The command under a Supervisor: its events become -I status lines, its
// end (success with -1, the -m limit, a start that failed, SIGTERM/SIGINT)
// becomes dpd-run's exit status, and -s/-S pass signals on.
import { mkdtempSync, readFileSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '@diprocd/supervisor';
import { EXIT_CANNOT_RUN, shellStatus, waitStatus } from './exit-status.js';
import { NAME } from './proc-spec.js';
import type { RunArgs } from './options.js';
import type { StatusFile } from './status-file.js';

// Signals dpd-run passes on with -s/-S (and otherwise ignores), as DMon.
const FORWARDED = ['SIGCONT', 'SIGALRM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP'] as const;
const STOPPING = ['SIGTERM', 'SIGINT'] as const;

/** A supervised command: its supervisor (and state directory), when it ends, and its log command while it runs. */
export interface Supervised {
  supervisor: Supervisor;
  stateDir: string;
  /** Resolves with dpd-run's exit status. */
  ended: Promise<number>;
  /** The log command's pid while it runs, else null. */
  logPid(): number | null;
  /** Resolves when the log command has exited. */
  logGone: Promise<void>;
}

/** The number a --load-source file holds, or undefined (the gate then keeps its state). */
function readLoadFile(path: string): number | undefined {
  try {
    const value = Number.parseFloat(readFileSync(path, 'utf8'));
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A supervisor for the command, its events written to `status`; nothing runs until `apply`. */
export function supervise(args: RunArgs, status: StatusFile): Supervised {
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
    .on('proc.error', ({ error }) =>
      queueMicrotask(
        () => supervisor.status()[0]?.state !== 'spawn-failed' && process.stderr.write(`dpd-run: ${error.message}\n`),
      ),
    );

  // The end: the command succeeded (-1), gave up (-m), could not run, or a signal asked.
  const ended = new Promise<number>((resolve) => {
    supervisor.on('proc.state', ({ to }) => {
      const now = supervisor.status()[0]!;
      if (to === 'exited') resolve(0);
      else if (to === 'gave-up') {
        process.stderr.write(
          `dpd-run: ${args.command[0]} was respawned ${args.maxRespawns} ${
            args.maxRespawns === 1 ? 'time' : 'times'
          } (-m); giving up\n`,
        );
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
  return { supervisor, stateDir, ended, logPid: () => logPid, logGone };
}
