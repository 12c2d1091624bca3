// The set of processes that converges to a desired list. Commands come in
// through apply() and the operator methods (serialised); observations go
// out as typed events and status().
import { EventEmitter } from 'node:events';
import { SOURCES, type Sampler } from '@diprocd/loadgate';
import type { ProcInput } from '@diprocd/procspec';
import { diffProcs, type LoadSource, type Proc } from '@diprocd/procspec/runtime';
import { systemClock, type Clock } from './clock.js';
import { SupervisorError } from './errors.js';
import type { ExitStatus, SupervisorEventName, SupervisorEvents } from './events.js';
import { currentContext, targetUid, type ExecContext } from './os/exec-plan.js';
import { nodeSpawner, type Spawner } from './os/launch.js';
import { HELPER_PATH, HelperSpawner, helperAvailable } from './os/spawn-helper.js';
import { commandMatches, isAlive, startedAtMs } from './os/proc-stat.js';
import { targetFromPidFile } from './os/target.js';
import { ManagedProcess, type ProcessHost } from './runner/managed-process.js';
import { Poller } from './runner/poller.js';
import type { ShownState } from './state/machine.js';
import { lockStateDir } from './store/lock.js';
import { specDigest, stopOnlySpec } from './store/record-spec.js';
import { StateStore } from './store/state-store.js';
import { acceptSpecs, type Seen } from './spec/accept-specs.js';

/** Options of a Supervisor. */
export interface SupervisorOptions {
  /** Where the supervisor records its processes so a later one can adopt them. Created 0700. */
  stateDir: string;
  /** How often processes that are not its children (adopted, daemons) are checked. Default 500 ms. */
  pollIntervalMs?: number;
  /** How long a forking daemon has to write a live pid to its pid_file. Default 10 s. */
  daemonPidTimeoutMs?: number;
  /** Time source, for tests. */
  clock?: Clock;
  /**
   * Load signals for the `load` key, replacing the built-in ones (1-minute load average, CPU pressure), e.g. in tests.
   */
  loadSamplers?: Partial<Record<LoadSource, Sampler>>;
  /**
   * Where output goes that neither `logs` nor `log_pipe` takes, and stderr
   * with `log_stderr: false`, and the output of a `log_pipe` command itself:
   * "ignore" (/dev/null, the default) or "inherit" (the supervisor's own
   * stdout and stderr, as a terminal tool wants).
   */
  unloggedOutput?: 'ignore' | 'inherit';
  /**
   * Start programs through the spawn helper, a small process that forks and
   * execs on request (faster than Node's spawn, and no ChildProcess per
   * program in the heap). Default true; without the built helper (or where
   * it cannot run) Node's spawn serves.
   */
  spawnHelper?: boolean;
  /**
   * Where the spawn helper is, for hosts that install it elsewhere. Default:
   * `dist/dpd-spawn-helper` of this package. A helper that cannot run (built
   * for another system) is noticed at its first start; Node's spawn then
   * serves, also for the starts already asked of it.
   */
  spawnHelperPath?: string;
}

/** One process as status() reports it. */
export interface ProcStatus {
  name: string;
  state: ShownState;
  pid: number | null;
  pgid: number | null;
  /** When the current run started (ms since the epoch); null when not running. */
  startedAt: number | null;
  uptimeMs: number | null;
  /** Runs started after the first. */
  restarts: number;
  lastExit: ExitStatus | null;
  /** Why it is down or was stopped, in words (spawn failure, timeout, gave up…). */
  reason: string | null;
  /** How this run was taken over from an earlier supervisor, if it was. */
  adopted: 'state' | 'pid_file' | null;
}

/** What one apply() did, by process name. */
export interface ApplyResult {
  started: string[];
  stopped: string[];
  /** Changed and moved (restarted, or started again after a failure). */
  restarted: string[];
  /** Changed, but left as they are: stopped by an operator, or still waiting for dependencies. */
  updated: string[];
  unchanged: string[];
  adopted: string[];
  /**
   * What procspec warned of in specs given as written (an unknown key, ignored, with the nearest known one): one line
   * each, naming the process and the field. Empty for specs procspec normalised.
   */
  warnings: string[];
}

// States a process passes through on its way to a settled one.
const SETTLING: ShownState[] = ['starting', 'stopping'];

export class Supervisor {
  private readonly procs = new Map<string, ManagedProcess>();
  private readonly events = new EventEmitter();
  private readonly host: ProcessHost;
  private readonly poller: Poller;
  private readonly spawner: Spawner;
  private readonly store: StateStore;
  private readonly unlock: () => void;
  private queue: Promise<unknown> = Promise.resolve();
  /** Checks of whenSettled(), run after every transition of any process. */
  private readonly settleWaiters = new Set<() => void>();
  private adoptionDone = false;
  /** Entries of earlier apply() calls in the normalised form, and what they were taken as (see acceptSpecs). */
  private readonly accepted = new WeakMap<object, Seen>();
  private closed = false;

  /**
   * Opens the state directory (one supervisor per directory). Nothing starts
   * until apply(); the first apply() adopts processes an earlier supervisor
   * on this directory left running.
   */
  constructor(stateDir: string, options?: Omit<SupervisorOptions, 'stateDir'>);
  constructor(options: SupervisorOptions);
  constructor(first: string | SupervisorOptions, rest: Omit<SupervisorOptions, 'stateDir'> = {}) {
    const options: SupervisorOptions = typeof first === 'string' ? { ...rest, stateDir: first } : first;
    // The lock first: a supervisor refused the directory must not touch its records.
    this.unlock = lockStateDir(options.stateDir);
    try {
      this.store = new StateStore(options.stateDir, (error) => this.emit('proc.error', { name: null, error }));
    } catch (error) {
      this.unlock();
      throw error;
    }
    this.poller = new Poller(options.pollIntervalMs ?? 500);
    const ctx: ExecContext = currentContext();
    const unlogged = options.unloggedOutput ?? 'ignore';
    const helperPath = options.spawnHelperPath ?? HELPER_PATH;
    this.spawner =
      (options.spawnHelper ?? true) && helperAvailable(helperPath)
        ? new HelperSpawner(unlogged === 'inherit', helperPath)
        : nodeSpawner;
    this.host = {
      clock: options.clock ?? systemClock,
      loadSamplers: { ...SOURCES, ...options.loadSamplers },
      poller: this.poller,
      store: this.store,
      ctx,
      daemonPidTimeoutMs: options.daemonPidTimeoutMs ?? 10_000,
      unlogged,
      spawner: this.spawner,
      emit: (event, payload) => this.emit(event, payload),
      changed: (proc) => {
        this.startDependants(proc);
        for (const check of [...this.settleWaiters]) check();
      },
    };
  }

  // ---- events ------------------------------------------------------------

  /** Listens to an event (see SupervisorEvents for names and payloads). */
  on<E extends SupervisorEventName>(event: E, listener: (payload: SupervisorEvents[E]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  /** Removes a listener added with on(). */
  off<E extends SupervisorEventName>(event: E, listener: (payload: SupervisorEvents[E]) => void): this {
    this.events.off(event, listener);
    return this;
  }

  // A listener that throws must neither crash the host from inside an exit
  // callback nor leave a process half-way through a transition: its error
  // is reported as proc.error and the supervisor carries on.
  private emit<E extends SupervisorEventName>(event: E, payload: SupervisorEvents[E]): void {
    for (const listener of this.events.listeners(event)) {
      try {
        (listener as (p: SupervisorEvents[E]) => void)(payload);
      } catch (error) {
        if (event === 'proc.error') continue;
        const name = (payload as { name?: string | null }).name ?? null;
        this.emit('proc.error', {
          name,
          error: new SupervisorError('DPD_LISTENER_FAILED', `a ${event} listener threw: ${(error as Error).message}`, {
            cause: error,
          }),
        });
      }
    }
  }

  // ---- converging --------------------------------------------------------

  /**
   * Converges to `procs`: starts the new, stops the gone, restarts the
   * changed, leaves the rest untouched. Resolves when every moved process
   * has settled (running, or down with a reason). Each entry is a spec as
   * written in a worker file (`{name, run, args}`), or one procspec has
   * normalised; a list with an entry that does not validate, or a name
   * twice, is refused whole (DPD_INVALID_SPEC) and nothing moves.
   */
  apply(procs: readonly (Proc | ProcInput)[]): Promise<ApplyResult> {
    return this.serial(async () => {
      const { procs: desired, warnings } = await acceptSpecs(procs, this.accepted);
      return { ...(await this.converge(desired)), warnings };
    });
  }

  private async converge(desired: readonly Proc[]): Promise<Omit<ApplyResult, 'warnings'>> {
    const names = new Set<string>();
    for (const spec of desired) {
      if (names.has(spec.name))
        throw new SupervisorError('DPD_INVALID_SPEC', `apply: the name ${JSON.stringify(spec.name)} appears twice`);
      names.add(spec.name);
    }
    const adopted = this.adoptionDone ? [] : this.adopt(desired);
    this.adoptionDone = true;

    const current = [...this.procs.values()].filter((p) => p.state !== 'removed').map((p) => p.spec);
    const diff = diffProcs(current, desired);
    const settled: Promise<void>[] = [];

    for (const spec of diff.stop) {
      const proc = this.procs.get(spec.name)!;
      proc.stop('remove');
      // Forgotten once its last events are told: a relayed run's proc.exit waits for its last lines, and a later
      // apply (a process of the same name again, or close()) must come after them.
      settled.push(
        proc
          .until((s) => s === 'removed')
          .then(() => proc.told())
          .then(() => void this.forget(proc)),
      );
    }
    const updated = new Set<string>();
    for (const spec of diff.restart) {
      const proc = this.procs.get(spec.name)!;
      if (
        !proc.update(
          spec,
          spec.depends.every((dep) => this.running(dep)),
        )
      )
        updated.add(spec.name);
      settled.push(this.whenSettled(proc));
    }
    for (const spec of startOrder(diff.start)) {
      const proc = new ManagedProcess(spec, this.host);
      this.procs.set(spec.name, proc);
      if (this.dependenciesMet(proc)) proc.start();
      else proc.hold();
      settled.push(this.whenSettled(proc));
    }
    // status() lists processes in the order of the desired list.
    const ordered = [
      ...desired.map((spec) => this.procs.get(spec.name)!),
      ...[...this.procs.values()].filter((p) => !names.has(p.name)),
    ];
    this.procs.clear();
    for (const proc of ordered) this.procs.set(proc.name, proc);
    await Promise.all(settled);
    const byName = (list: Proc[]) => list.map((p) => p.name);
    return {
      started: byName(diff.start),
      stopped: byName(diff.stop),
      restarted: byName(diff.restart).filter((name) => !updated.has(name)),
      updated: [...updated],
      unchanged: byName(diff.unchanged).filter((name) => !adopted.includes(name)),
      adopted,
    };
  }

  /**
   * Takes over what an earlier supervisor left running: every live recorded
   * process (with the spec it was started with, so the diff restarts it if
   * the spec changed, or stops it if it is no longer wanted), then live
   * processes named by a desired spec's pid_file.
   */
  private adopt(desired: readonly Proc[]): string[] {
    const adopted: string[] = [];
    // In the order of the desired list (then the unwanted), so status() reads like the file.
    const position = new Map(desired.map((spec, i) => [spec.name, i]));
    const records = this.store
      .entries()
      .sort(([a], [b]) => (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity) || a.localeCompare(b));
    const wanted = new Map(desired.map((spec) => [spec.name, spec]));
    for (const [name, record] of records) {
      // Under the wanted spec if it is the one it runs; else under one that
      // only knows how to stop it (the diff then restarts or stops it).
      const same = wanted.get(name);
      const spec = same && specDigest(same) === record.digest ? same : stopOnlySpec(record.stop);
      const proc = new ManagedProcess(spec, this.host);
      // Gone, or the pid now belongs to someone else (another start time).
      if (!isAlive(record.pid, record.startTime) || !proc.adopt(record, 'state')) {
        this.store.delete(name);
        continue;
      }
      this.procs.set(name, proc);
      adopted.push(name);
    }
    for (const spec of desired) {
      if (this.procs.has(spec.name) || spec.pid_file === null) continue;
      // Believed only if it runs the spec's program as the spec's user and
      // was running when the pid file was written (not a reused pid).
      const target = targetFromPidFile(spec.pid_file, { startedBeforeFile: true, uid: targetUid(spec, this.host.ctx) });
      if (!target || !commandMatches(target.pid, spec.run, spec.args, spec.daemon)) continue;
      const proc = new ManagedProcess(spec, this.host);
      if (!proc.adopt({ pid: target.pid, startedAt: startedAtMs(target.startTime), restarts: 0 }, 'pid_file')) continue;
      this.procs.set(spec.name, proc);
      adopted.push(spec.name);
    }
    return adopted;
  }

  private forget(proc: ManagedProcess): void {
    if (this.procs.get(proc.name) === proc && proc.state === 'removed') this.procs.delete(proc.name);
  }

  /** A dependency counts as met while it runs, or once it exited as planned (a one-shot). */
  private running(name: string): boolean {
    const state = this.procs.get(name)?.state;
    return state === 'running' || state === 'exited';
  }

  /**
   * True while the process is on its way somewhere: starting or stopping, or
   * waiting for a dependency that is itself on its way (spawns are answered
   * asynchronously, so a dependency may still be starting).
   */
  private onItsWay(first: ManagedProcess): boolean {
    const seen = new Set<string>();
    const stack = [first];
    while (stack.length > 0) {
      const proc = stack.pop()!;
      if (SETTLING.includes(proc.state)) return true;
      if (proc.state !== 'waiting' || seen.has(proc.name)) continue;
      seen.add(proc.name);
      for (const name of proc.spec.depends) {
        const dep = this.procs.get(name);
        if (dep) stack.push(dep);
      }
    }
    return false;
  }

  /** Resolves once the process has settled (see onItsWay). */
  private whenSettled(proc: ManagedProcess): Promise<void> {
    // Without dependencies only its own transitions matter.
    if (proc.spec.depends.length === 0) return proc.until((s) => !SETTLING.includes(s));
    if (!this.onItsWay(proc)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.onItsWay(proc)) return;
        this.settleWaiters.delete(check);
        resolve();
      };
      this.settleWaiters.add(check);
    });
  }

  private dependenciesMet(proc: ManagedProcess): boolean {
    return proc.spec.depends.every((name) => this.running(name));
  }

  // A process that reached running (or finished as planned) may unblock others.
  private startDependants(changed: ManagedProcess): void {
    if (changed.state !== 'running' && changed.state !== 'exited') return;
    for (const proc of this.procs.values()) {
      if (proc.state === 'waiting' && proc.spec.depends.includes(changed.name) && this.dependenciesMet(proc))
        proc.start();
    }
  }

  // ---- operator commands -------------------------------------------------

  /**
   * Starts a process that is down (forgetting earlier failures). Resolves with its status once it has started or
   * failed.
   */
  start(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.start(),
      (s) => s !== 'starting',
    );
  }

  /** Stops a process; it stays stopped until start() (a changed spec does not restart it). */
  stop(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.stop(),
      (s) => s !== 'stopping',
    );
  }

  /** Stops and starts a process again (or starts it if it is down). */
  restart(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.restart(),
      (s) => !SETTLING.includes(s),
    );
  }

  /** Forgets a process's restart history; one that gave up or failed starts again. */
  reset(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.reset(),
      (s) => s !== 'starting',
    );
  }

  /** SIGSTOP to the process group (what the load gate uses); status shows "paused". */
  pause(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.pause(),
      () => true,
    );
  }

  /** SIGCONT to a paused process group. */
  resume(name: string): Promise<ProcStatus> {
    return this.command(
      name,
      (p) => p.resume(),
      () => true,
    );
  }

  /**
   * Sends `signal` to a process's group ("process", the default) or to its
   * `log_pipe` command ("log"). Resolves true when something received it,
   * false when nothing runs there.
   */
  signal(name: string, signal: NodeJS.Signals, target: 'process' | 'log' = 'process'): Promise<boolean> {
    return this.serial(async () => {
      const proc = this.procs.get(name);
      if (!proc || proc.state === 'removed')
        throw new SupervisorError('DPD_UNKNOWN_PROCESS', `no process named ${JSON.stringify(name)}`);
      return proc.sendSignal(signal, target);
    });
  }

  private command(
    name: string,
    act: (proc: ManagedProcess) => void,
    done: (state: ShownState) => boolean,
  ): Promise<ProcStatus> {
    return this.serial(async () => {
      const proc = this.procs.get(name);
      if (!proc || proc.state === 'removed')
        throw new SupervisorError('DPD_UNKNOWN_PROCESS', `no process named ${JSON.stringify(name)}`);
      act(proc);
      await proc.until(done);
      return this.describe(proc);
    });
  }

  // ---- observation -------------------------------------------------------

  /** Every supervised process, in the order they were first applied. */
  status(): ProcStatus[] {
    return [...this.procs.values()].filter((p) => p.state !== 'removed').map((p) => this.describe(p));
  }

  private describe(proc: ManagedProcess): ProcStatus {
    const running = proc.pid !== null && proc.startedAt !== null;
    return {
      name: proc.name,
      state: proc.state,
      pid: proc.pid,
      pgid: proc.pgid,
      startedAt: running ? proc.startedAt : null,
      uptimeMs: running ? this.host.clock.now() - proc.startedAt! : null,
      restarts: proc.restarts,
      lastExit: proc.lastExit,
      reason: proc.reason,
      adopted: proc.adopted,
    };
  }

  // ---- life --------------------------------------------------------------

  /**
   * Closes the supervisor. By default its processes keep running (they live
   * in their own sessions) and the next Supervisor on the same state
   * directory adopts them; with `stopProcesses` they are stopped first.
   */
  close(options: { stopProcesses?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      if (options.stopProcesses) {
        const all = [...this.procs.values()].filter((p) => p.state !== 'removed');
        for (const proc of all) proc.stop('remove');
        await Promise.all(all.map((p) => p.until((s) => s === 'removed')));
      }
      // A start under way is answered first, so its program is recorded (and
      // adopted by the next supervisor) rather than left running unknown.
      await this.spawner.idle();
      for (const proc of this.procs.values()) proc.detach();
      this.spawner.close();
      this.poller.close();
      this.store.close();
      this.unlock();
      this.closed = true;
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new SupervisorError('DPD_CLOSED', 'the supervisor is closed');
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** New processes in an order where each comes after the new processes it depends on (iterative: chains may be long). */
function startOrder(specs: Proc[]): Proc[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const ordered: Proc[] = [];
  const seen = new Set<string>();
  for (const root of specs) {
    const stack: { spec: Proc; next: number }[] = [];
    if (!seen.has(root.name)) {
      seen.add(root.name);
      stack.push({ spec: root, next: 0 });
    }
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const dep = top.spec.depends[top.next++];
      if (dep === undefined) {
        ordered.push(top.spec);
        stack.pop();
        continue;
      }
      const other = byName.get(dep);
      if (other && !seen.has(other.name)) {
        seen.add(other.name);
        stack.push({ spec: other, next: 0 });
      }
    }
  }
  return ordered;
}
