// What a process is to the helpers that run its runs (start, live, stop,
// daemon wait, end): they read its spec and host, keep its current run, and
// tell the machine what happened through fire().
import type { Sampler } from '@diprocd/loadgate';
import type { LoadSource, Proc } from '@diprocd/procspec/runtime';
import type { Clock } from '../clock.js';
import type { SupervisorErrorCode } from '../errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from '../events.js';
import type { ExecContext } from '../os/exec-plan.js';
import type { RestartHistory } from '../policy/restart-policy.js';
import type { Spawner } from '../os/launch.js';
import type { ProcEvent } from '../state/machine.js';
import type { StateStore } from '../store/state-store.js';
import type { LogOutput, Unlogged } from './log-output.js';
import type { ManagedProcess } from './managed-process.js';
import type { Poller } from './poller.js';
import type { Run } from './run.js';

/** What a process needs from the supervisor that owns it. */
export interface ProcessHost {
  readonly clock: Clock;
  /** Load signals for the `load` key, by source name. */
  readonly loadSamplers: Record<LoadSource, Sampler>;
  readonly poller: Poller;
  readonly store: StateStore;
  readonly ctx: ExecContext;
  readonly spawner: Spawner;
  readonly daemonPidTimeoutMs: number;
  /** Where output goes that no `logs`/`log_pipe` takes (and stderr with `log_stderr: false`). */
  readonly unlogged: Unlogged;
  emit<E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]): void;
  /** Called after every transition (dependants may now start). */
  changed(proc: ManagedProcess): void;
}

export interface ProcessCore {
  readonly name: string;
  readonly spec: Proc;
  readonly host: ProcessHost;
  readonly logs: LogOutput;
  /** The run under way, if any; a callback whose run is no longer this one is stale. */
  run: Run | null;
  reason: string | null;
  /** Starts and quick failures so far, for the restart policy. */
  readonly history: RestartHistory;
  /** The delay (ms) the next `schedule-restart` action arms. */
  backoffDelay: number;
  lastExit: ExitStatus | null;
  /**
   * How the run a stop ended went: recorded (proc.exit, lastExit) before the machine hears that the stop is done, so
   * the exit is told before the state it leads to.
   */
  ended: { status: ExitStatus; runMs: number } | null;
  /** Tells the machine what happened; it decides what follows. */
  fire(event: ProcEvent): void;
  /** Emits proc.error. */
  report(code: SupervisorErrorCode, error: unknown, context?: string): void;
  /** This process's events from now on wait until `until` settles (the last lines of a run, for its proc.exit). */
  holdEvents(until: Promise<unknown>): void;
}
