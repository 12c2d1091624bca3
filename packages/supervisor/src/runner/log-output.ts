// Where a run's stdout and stderr go. Plain `logs`: the file descriptor
// itself, so output never flows through the supervisor. Timestamps,
// rotation or `log_pipe`: a relay process (our log-relay, or the log
// command) whose input the supervisor keeps open across the process's
// restarts, so the relay never sees EOF between runs.
//
// The log's directory is reached by a walk that follows no symlink and
// trusts only root and the program's user (safe-path.ts), for every run:
// a program that swapped a directory on the way is refused before it can
// be given, or have the relay write, anything elsewhere.
//
// The end of a run reads back what it wrote last (tail()): from the log
// file, where its output goes to one (directly or through our relay), by
// the same walk; never from a log_pipe command's output, which the
// supervisor does not see.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fstatSync, lstatSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { Proc } from '@diprocd/procspec/runtime';
import type { SupervisorErrorCode } from '../errors.js';
import { planExec, wrappedCommand, type ExecContext } from '../os/exec-plan.js';
import { closeQuietly, type Output } from '../os/launch.js';
import { openLog, openLogIn } from '../os/log-file.js';
import { readTail, sizeOf, type TailSource } from '../os/log-tail.js';
import { inDir, openDirSafely, pathFailure, trustedFor } from '../os/safe-path.js';
import { assetPath } from '../os/assets.js';
import { asDropReport } from '../relay/drop-report.js';
import type { DropReport } from '../relay/line-log.js';
import { TAIL_QUESTION, type TailAnswer } from '../relay/tail-ring.js';

const RELAY = assetPath('log-relay.js');

interface Relay {
  child: ChildProcess;
  input: Writable;
  /** The log settings it serves; other settings need another relay. */
  key: string;
  /** A log_pipe command (rather than our relay for plain logs). */
  command: boolean;
  /** Our relay's directory, as device:inode: a path that names another one since needs another relay. */
  dir: string | null;
  /** Questions for the tail of a run, by nonce, waiting for the relay's answer. */
  answers: Map<string, (lines: string[]) => void>;
}

// How long a relayed run's proc.exit (and the events after it) may wait for its relay to tell the run's last lines:
// an answer takes a moment, but a relay still starting (a Node process, many at once) may take some hundreds of ms.
const TAIL_WAIT_MS = 1000;

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Reads our relay's stdout, one JSON line a message: an answer goes to the question it answers (by nonce), a drop
 * report to `dropped`; anything else is ignored.
 */
function readRelay(relay: Relay, dropped: (report: DropReport) => void): void {
  const stdout = relay.child.stdout as Socket | null;
  if (!stdout) return;
  stdout.unref(); // the questions' timers, not this, keep the supervisor's process up
  stdout.on('error', () => undefined);
  let text = '';
  stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n')) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        continue; // not a message
      }
      const reply = message as Partial<TailAnswer> | null;
      if (typeof reply?.nonce === 'string' && Array.isArray(reply.lines)) {
        relay.answers.get(reply.nonce)?.(reply.lines);
        relay.answers.delete(reply.nonce);
        continue;
      }
      const report = asDropReport(message);
      if (report) dropped(report);
    }
  });
}

/** Where unlogged output goes: /dev/null, or the supervisor's own stdout and stderr. */
export type Unlogged = 'ignore' | 'inherit';

type Failed = { ok: false; code: SupervisorErrorCode; reason: string; errno?: string };
export type Prepared = { ok: true; stdout: Output; stderr: Output; release: () => void } | Failed;

/** Told of the life of the relay or log_pipe command. */
export interface RelayWatcher {
  started(relay: { pid: number; command: boolean }): void;
  /** It ended; `inUse` when the process still wrote to it (not when the supervisor let it go). */
  exited(relay: {
    pid: number;
    command: boolean;
    code: number | null;
    signal: NodeJS.Signals | null;
    inUse: boolean;
  }): void;
  /** Our relay's writes to `file` began to fail (its lines are dropped and counted), or succeed again. */
  dropped(file: string, report: DropReport): void;
}

const logKey = (spec: Proc, uid: number | undefined) =>
  JSON.stringify([
    spec.logs,
    spec.log_timestamps,
    spec.log_max_size,
    spec.log_keep,
    uid,
    spec.log_pipe,
    spec.log_pipe && [spec.log_pipe_as ?? [spec.user, spec.group, spec.groups], spec.cwd, spec.env],
  ]);

/** Which directory a descriptor holds. */
const identity = (fd: number): string => {
  const stat = fstatSync(fd);
  return `${stat.dev}:${stat.ino}`;
};

/** The length of `name` in the open directory `dirFd` (0 when there is none yet). */
const sizeIn = (dirFd: number, name: string): number =>
  lstatSync(inDir(dirFd, name), { throwIfNoEntry: false })?.size ?? 0;

export class LogOutput {
  private relay: Relay | null = null;
  /** The log file the last prepared run writes to, read back at its end; null when its output goes elsewhere. */
  private source: TailSource | null = null;

  constructor(
    private readonly ctx: ExecContext,
    private readonly watcher: RelayWatcher,
  ) {}

  /**
   * The output for a new run of a program running as `uid`; `release`
   * closes what the supervisor no longer needs once the child has it.
   */
  prepare(spec: Proc, unlogged: Unlogged, uid: number | undefined): Prepared {
    const relayed =
      spec.log_pipe !== null || (spec.logs !== null && (spec.log_timestamps || spec.log_max_size !== null));
    const both = (output: Output, release: () => void = () => undefined) => ({
      ok: true as const,
      stdout: output,
      stderr: spec.log_stderr ? output : unlogged,
      release,
    });
    this.source = null;
    if (!relayed) {
      this.end();
      if (spec.logs === null) return both(unlogged);
      try {
        const { fd, dirFd } = openLog(spec.logs, trustedFor(uid));
        closeQuietly(dirFd);
        this.source = { path: spec.logs, uid, from: sizeOf(fd), stamped: false };
        return both(fd, () => closeQuietly(fd));
      } catch (error) {
        return { ok: false, ...pathFailure('logs', spec.logs, error) };
      }
    }
    let dirFd = -1;
    try {
      if (spec.log_pipe === null) {
        dirFd = openDirSafely(dirname(spec.logs!), trustedFor(uid), true);
        this.source = {
          path: spec.logs!,
          uid,
          from: sizeIn(dirFd, basename(spec.logs!)),
          stamped: spec.log_timestamps,
        };
      }
    } catch (error) {
      this.end(); // the relay writes on into the directory it has open; nothing new goes to it
      return { ok: false, ...pathFailure('logs', spec.logs!, error) };
    }
    try {
      const key = logKey(spec, uid);
      const dir = dirFd < 0 ? null : identity(dirFd);
      if (this.relay?.key !== key || this.relay.dir !== dir || !running(this.relay.child)) {
        this.end();
        const started = this.start(spec, key, unlogged, uid, dirFd);
        if (!started.ok) return started;
        this.relay!.dir = dir;
      }
      return both(this.relay!.input);
    } finally {
      if (dirFd >= 0) closeQuietly(dirFd);
    }
  }

  /**
   * The last lines the run that ends now wrote to its log file within the last second (log-tail.ts). A run this
   * LogOutput did not prepare (an adopted one) is read from the start of the spec's log file.
   */
  tail(spec: Proc, uid: number | undefined): string[] {
    const source =
      this.source ??
      (spec.logs !== null && spec.log_pipe === null
        ? { path: spec.logs, uid, from: 0, stamped: spec.log_timestamps }
        : null);
    return source ? readTail(source, Date.now()) : [];
  }

  /**
   * Asks our log relay for the last lines the run that ends now wrote (tail-ring.ts): they may still be on their way
   * to the file. Resolves with them, or null when the relay does not answer within TAIL_WAIT_MS. Null at once when the
   * run's output did not go through our relay.
   */
  askTail(): Promise<string[] | null> | null {
    const relay = this.relay;
    if (relay === null || relay.command || this.source === null || !running(relay.child)) return null;
    const nonce = randomBytes(8).toString('hex');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        relay.answers.delete(nonce);
        resolve(null);
      }, TAIL_WAIT_MS);
      relay.answers.set(nonce, (lines) => {
        clearTimeout(timer);
        resolve(lines);
      });
      relay.input.write(`${TAIL_QUESTION}${nonce}\n`);
    });
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

  private start(
    spec: Proc,
    key: string,
    unlogged: Unlogged,
    uid: number | undefined,
    dirFd: number,
  ): { ok: true } | Failed {
    let child: ChildProcess;
    if (spec.log_pipe !== null) {
      // The log command runs as the process does (user, groups, cwd, env), or as log_pipe_as says.
      const as = spec.log_pipe_as ?? spec;
      const planned = planExec(
        {
          ...spec,
          user: as.user,
          group: as.group,
          groups: as.groups,
          run: spec.log_pipe[0]!,
          args: spec.log_pipe.slice(1),
        },
        this.ctx,
      );
      if (!planned.ok)
        return { ok: false, code: planned.code, reason: `log_pipe: ${planned.reason}`, errno: planned.errno };
      const command = wrappedCommand(planned.plan);
      if (!command.ok) return { ok: false, code: 'DPD_SPAWN_FAILED', reason: `log_pipe: ${command.reason}` };
      // Its own output goes where unlogged output goes (a terminal for dpd-run).
      child = spawn(command.file, command.args, {
        cwd: command.cwd,
        env: planned.plan.env,
        detached: true,
        stdio: ['pipe', unlogged, unlogged],
      });
    } else {
      // The file too is checked here, so that one the relay would refuse is
      // this run's refusal, not the relay's exit.
      try {
        closeQuietly(openLogIn(dirFd, dirname(spec.logs!), basename(spec.logs!), trustedFor(uid)));
      } catch (error) {
        return { ok: false, ...pathFailure('logs', spec.logs!, error) };
      }
      const args = [RELAY, '--file', spec.logs!, '--dir-fd', '3', '--keep', String(spec.log_keep)];
      if (uid !== undefined) args.push('--owner-uid', String(uid));
      if (spec.log_timestamps) args.push('--timestamps');
      if (spec.log_max_size !== null) args.push('--max-size', String(spec.log_max_size));
      child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', 'pipe', 'ignore', dirFd] });
    }
    if (child.pid === undefined) {
      child.on('error', () => undefined);
      // Node tells why only later, and of a program that is there to run (this Node, or the wrapped command): a
      // shortage of descriptors or processes, so the start is tried again with the backoff.
      return {
        ok: false,
        code: 'DPD_SPAWN_FAILED',
        reason: `${spec.log_pipe ? 'log_pipe' : 'log relay'}: could not be started (out of descriptors or processes?)`,
        errno: 'EAGAIN',
      };
    }
    const input = child.stdin!;
    input.on('error', () => undefined); // a relay that died: the next run starts another
    const command = spec.log_pipe !== null;
    const relay: Relay = { child, input, key, command, dir: null, answers: new Map() };
    const file = spec.logs!;
    if (!command) readRelay(relay, (report) => this.watcher.dropped(file, report));
    const pid = child.pid;
    this.watcher.started({ pid, command });
    child.once('exit', (code, signal) =>
      this.watcher.exited({ pid, command, code, signal, inUse: this.relay === relay }),
    );
    this.relay = relay;
    return { ok: true };
  }

  /**
   * The process is gone for good (or its log settings changed): close our end; the relay ends once the process's end
   * closes too.
   */
  end(): void {
    this.relay?.input.end();
    this.relay?.child.unref();
    this.relay = null;
  }

  /** The supervisor closes without stopping: let go of the relay without ending it early. */
  detach(): void {
    this.relay?.input.destroy();
    this.relay?.child.stdout?.destroy();
    this.relay?.child.unref();
    this.relay = null;
  }
}
