// Where a run's stdout and stderr go. Plain `logs`: the file descriptor
// itself, so output never flows through the supervisor. Timestamps,
// rotation or `log_pipe`: a relay process (our log-relay, or the log
// command) whose input the supervisor keeps open across the process's
// restarts, so the relay never sees EOF between runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Proc } from '@diprocd/procspec/runtime';
import { planExec, wrappedCommand, type ExecContext } from '../os/exec-plan.js';
import { closeQuietly, openLog, type Output } from '../os/launch.js';
import { assetPath } from '../os/assets.js';

const RELAY = assetPath('log-relay.js');

interface Relay {
  child: ChildProcess;
  input: Writable;
  /** The log settings it serves; other settings need another relay. */
  key: string;
  /** A log_pipe command (rather than our relay for plain logs). */
  command: boolean;
}

/** Where unlogged output goes: /dev/null, or the supervisor's own stdout and stderr. */
export type Unlogged = 'ignore' | 'inherit';

export type Prepared = { ok: true; stdout: Output; stderr: Output; release: () => void } | { ok: false; reason: string };

/** Told of the life of the relay or log_pipe command. */
export interface RelayWatcher {
  started(relay: { pid: number; command: boolean }): void;
  /** It ended; `inUse` when the process still wrote to it (not when the supervisor let it go). */
  exited(relay: { pid: number; command: boolean; code: number | null; signal: NodeJS.Signals | null; inUse: boolean }): void;
}

const logKey = (spec: Proc) =>
  JSON.stringify([spec.logs, spec.log_timestamps, spec.log_max_size, spec.log_keep, spec.log_pipe, spec.log_pipe && [spec.log_pipe_as ?? [spec.user, spec.group, spec.groups], spec.cwd, spec.env]]);

export class LogOutput {
  private relay: Relay | null = null;

  constructor(
    private readonly ctx: ExecContext,
    private readonly watcher: RelayWatcher,
  ) {}

  /** The output for a new run; `release` closes what the supervisor no longer needs once the child has it. */
  prepare(spec: Proc, unlogged: Unlogged): Prepared {
    const relayed = spec.log_pipe !== null || (spec.logs !== null && (spec.log_timestamps || spec.log_max_size !== null));
    const both = (output: Output, release: () => void = () => undefined) => ({ ok: true as const, stdout: output, stderr: spec.log_stderr ? output : unlogged, release });
    if (!relayed) {
      this.end();
      if (spec.logs === null) return both(unlogged);
      try {
        const fd = openLog(spec.logs);
        return both(fd, () => closeQuietly(fd));
      } catch (error) {
        return { ok: false, reason: `logs ${spec.logs}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
      }
    }
    const key = logKey(spec);
    if (this.relay?.key !== key || this.relay.child.exitCode !== null || this.relay.child.signalCode !== null) {
      this.end();
      const started = this.start(spec, key, unlogged);
      if (!started.ok) return started;
    }
    return both(this.relay!.input);
  }

  /** Sends `signal` to the log_pipe command's process group; false when none runs. */
  signal(signal: NodeJS.Signals): boolean {
    const child = this.relay?.command ? this.relay.child : undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return false;
    try {
      process.kill(-child.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private start(spec: Proc, key: string, unlogged: Unlogged): { ok: true } | { ok: false; reason: string } {
    let child: ChildProcess;
    if (spec.log_pipe !== null) {
      // The log command runs as the process does (user, groups, cwd, env), or as log_pipe_as says.
      const as = spec.log_pipe_as ?? spec;
      const planned = planExec({ ...spec, user: as.user, group: as.group, groups: as.groups, run: spec.log_pipe[0]!, args: spec.log_pipe.slice(1) }, this.ctx);
      if (!planned.ok) return { ok: false, reason: `log_pipe: ${planned.reason}` };
      const command = wrappedCommand(planned.plan);
      if (!command.ok) return { ok: false, reason: `log_pipe: ${command.reason}` };
      // Its own output goes where unlogged output goes (a terminal for dpd-run).
      child = spawn(command.file, command.args, { cwd: command.cwd, env: planned.plan.env, detached: true, stdio: ['pipe', unlogged, unlogged] });
    } else {
      try {
        mkdirSync(dirname(spec.logs!), { recursive: true, mode: 0o755 });
      } catch (error) {
        return { ok: false, reason: `logs ${spec.logs}: ${(error as NodeJS.ErrnoException).code}` };
      }
      const args = [RELAY, '--file', spec.logs!, '--keep', String(spec.log_keep)];
      if (spec.log_timestamps) args.push('--timestamps');
      if (spec.log_max_size !== null) args.push('--max-size', String(spec.log_max_size));
      child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    }
    if (child.pid === undefined) {
      child.on('error', () => undefined);
      return { ok: false, reason: `${spec.log_pipe ? 'log_pipe' : 'log relay'}: could not be started` };
    }
    const input = child.stdin!;
    input.on('error', () => undefined); // a relay that died: the next run starts another
    const command = spec.log_pipe !== null;
    const relay: Relay = { child, input, key, command };
    const pid = child.pid;
    this.watcher.started({ pid, command });
    child.once('exit', (code, signal) => this.watcher.exited({ pid, command, code, signal, inUse: this.relay === relay }));
    this.relay = relay;
    return { ok: true };
  }

  /** The process is gone for good (or its log settings changed): close our end; the relay ends once the process's end closes too. */
  end(): void {
    this.relay?.input.end();
    this.relay?.child.unref();
    this.relay = null;
  }

  /** The supervisor closes without stopping: let go of the relay without ending it early. */
  detach(): void {
    this.relay?.input.destroy();
    this.relay?.child.unref();
    this.relay = null;
  }
}
