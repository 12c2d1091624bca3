// One supervised process as the supervisor sees it: each command is one
// event for the state machine (see ProcessDriver and state/machine.ts).
import type { Proc } from '@diprocd/procspec/runtime';
import { targetUid } from '../os/exec-plan.js';
import { readProcStat } from '../os/proc-stat.js';
import { signalGroup, signalPid } from '../os/signals.js';
import { targetOf } from '../os/target.js';
import { isLive } from '../state/machine.js';
import type { ProcRecord } from '../store/state-store.js';
import { ProcessDriver } from './process-driver.js';
import { newRun, watchTarget } from './run-start.js';

export type { ProcessHost } from './process-core.js';

export class ManagedProcess extends ProcessDriver {
  get pid(): number | null {
    return this.run?.target?.pid ?? null;
  }
  get pgid(): number | null {
    return this.run?.target?.pgid ?? null;
  }
  get startedAt(): number | null {
    return this.run?.target ? this.run.startedAt : null;
  }

  protected changed(): void {
    this.host.changed(this);
  }

  // ---- commands: each is one event ----------------------------------------

  /** Starts it unless it is live; an operator's start forgets earlier failures. */
  start(): void {
    this.fire('start');
  }
  /** Holds it until its dependencies run. */
  hold(): void {
    this.fire('wait');
  }
  stop(how: 'stop' | 'remove' = 'stop'): void {
    this.fire(how);
  }
  /** Stops and starts it again (with a changed spec if one is pending), or starts it if it is down. */
  restart(): void {
    this.fire('restart');
  }
  /** Forgets the restart history and count; a process that is down for a failure starts again. */
  reset(): void {
    this.fire('reset');
    this.forgetRestarts();
  }
  pause(): void {
    this.fire('pause');
  }
  resume(): void {
    this.fire('resume');
  }

  /**
   * A changed definition from apply(): live processes restart with it,
   * failed ones try again, a stopped one stays stopped. `ready` says whether
   * its dependencies run (a waiting process starts once they do). True when
   * the process moves (restarts or starts), false when only its spec changed.
   */
  update(spec: Proc, ready: boolean): boolean {
    this.nextSpec = spec;
    return this.fire(ready ? 'update' : 'update-unready').action !== 'take-spec';
  }

  /** Takes over a process an earlier supervisor started. */
  adopt(record: Pick<ProcRecord, 'pid' | 'startedAt' | 'restarts' | 'lastExit'>, via: 'state' | 'pid_file'): boolean {
    const target = targetOf(record.pid);
    if (!target) return false;
    // A process left paused (SIGSTOP) by the earlier supervisor is woken;
    // the load gate pauses it again if the load is still high.
    if (readProcStat(record.pid)?.state === 'T') {
      if (target.pgid) signalGroup(target.pgid, 'SIGCONT');
      else signalPid(target.pid, 'SIGCONT');
    }
    const run = newRun(this, record.startedAt);
    run.target = target;
    run.uid = targetUid(this.spec, this.host.ctx); // its pid file is removed as any other's
    this.run = run;
    this.runs = record.restarts + 1;
    this.lastExit = record.lastExit ?? null;
    this.adopted = via;
    watchTarget(this, run);
    this.fire('adopt');
    return true;
  }

  /** Sends `signal` to the running process's group, or to its log_pipe command; false when nothing runs there. */
  sendSignal(signal: NodeJS.Signals, target: 'process' | 'log'): boolean {
    if (target === 'log') return this.logs.signal(signal);
    const run = this.run;
    if (!run?.target || !isLive(this.current)) return false;
    run.send(signal);
    return true;
  }

  /** Lets the supervisor's process exit while this one runs on (close without stopping). */
  detach(): void {
    this.tellHeld();
    this.cancelPending();
    this.logs.detach();
    this.load.stop();
    const run = this.run;
    if (!run) return;
    run.close();
    run.child?.detach();
    this.run = null;
  }
}
