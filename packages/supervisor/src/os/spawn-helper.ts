// The spawn helper's client. Node's spawn() forks the whole supervisor (its
// cost grows with the supervisor's memory) and keeps a ChildProcess per
// program; the helper (native/spawn-helper.c) is a small process that forks
// and execs on request, sets up identity, chroot, rlimits and umask itself,
// and reports each exit. One helper serves one Supervisor; it starts with
// the first spawn and ends when the supervisor closes, leaving the programs
// running (each leads its own session).
//
// Wire format (the helper's source has the same): each request is a 32-bit
// little-endian length and NUL-terminated fields; replies are lines.
//   request: id file cwd chroot umask uid gid groups rlimits stdout stderr argc argv… envc env…
//   replies: "S id pid start" (exec'd; its /proc start time, or "-"), "F id stage errno" (not started), "X pid code signal" (exited)
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ExecPlan } from './exec-plan.js';
import { nodeSpawner, type Child, type ChildEvents, type Output, type Spawner } from './launch.js';

/** Where the build puts the helper: beside this module's bundle. */
export const HELPER_PATH = fileURLToPath(new URL('./dpd-spawn-helper', import.meta.url));

const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));
const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([name, number]) => [number, name]));

interface Entry {
  readonly plan: ExecPlan;
  readonly events: ChildEvents;
  detached: boolean;
  pid?: number;
}

/** True when the helper was built and can run here. */
export function helperAvailable(path = HELPER_PATH): boolean {
  if (process.platform !== 'linux') return false;
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why a start failed, in the words Node's spawn would use for the same failure. */
function failure(plan: ExecPlan, stage: string, errno: number): string {
  const code = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  switch (stage) {
    case 'exec':
      return `run ${plan.program}: ${code}`;
    case 'chdir':
      return `cwd ${plan.cwd}: ${code}`;
    case 'chroot':
      return `chroot ${plan.chroot}: ${code}`;
    case 'request':
      return 'the spawn helper could not read the request';
    default:
      return `${stage}: ${code}`;
  }
}

const NUL = '\0';
const BATCH = 8;

/** The request for one start; null when a string holds a NUL byte (it cannot reach exec). */
function encode(id: number, plan: ExecPlan, stdout: string, stderr: string): Buffer | null {
  const env = Object.entries(plan.env).map(([key, value]) => `${key}=${value}`);
  const argv = [plan.program, ...plan.args];
  const ids = plan.ids;
  const fields = [
    String(id),
    plan.program,
    plan.cwd,
    plan.chroot ?? '',
    plan.umask.toString(8),
    ids ? String(ids.uid) : '',
    ids ? String(ids.gid) : '',
    ids ? ids.groups.join(',') : '',
    plan.rlimits.map(({ name, soft, hard }) => `${name}:${soft === 'unlimited' ? 'u' : soft}:${hard === 'unlimited' ? 'u' : hard}`).join(','),
    stdout,
    stderr,
    String(argv.length),
    ...argv,
    String(env.length),
    ...env,
  ];
  if (fields.some((field) => field.includes(NUL))) return null;
  const payload = Buffer.from(fields.join(NUL) + NUL);
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

/** Spawns through the helper; falls back to Node's spawn where the helper cannot serve. */
export class HelperSpawner implements Spawner {
  private helper: ChildProcess | null = null;
  private lines = '';
  private outbox: Buffer[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, Entry>();
  private readonly children = new Map<number, Entry>();
  /** Set when the helper cannot run here: Node's spawn serves from then on. */
  private broken = false;
  private closed = false;
  private answered = false;

  /** `inherit`: the helper holds the supervisor's stdout and stderr, for programs whose output is inherited. */
  constructor(
    private readonly inherit: boolean,
    private readonly path = HELPER_PATH,
  ) {}

  spawn(plan: ExecPlan, stdout: Output, stderr: Output, events: ChildEvents): Child {
    const out = this.outputArg(stdout);
    const err = this.outputArg(stderr);
    const helper = out !== undefined && err !== undefined ? this.running() : null;
    if (!helper) return nodeSpawner.spawn(plan, stdout, stderr, events);
    const id = this.nextId++;
    const frame = encode(id, plan, out!, err!);
    const entry: Entry = { plan, events, detached: false };
    if (!frame) {
      queueMicrotask(() => events.failed(`run ${plan.program}: an argument or env entry holds a NUL byte`));
      return { detach: () => undefined };
    }
    this.pending.set(id, entry);
    this.send(helper, frame);
    this.reference();
    return {
      detach: () => {
        entry.detached = true;
        if (entry.pid !== undefined) this.children.delete(entry.pid);
        this.reference();
      },
    };
  }

  /**
   * Requests go out in batches (one write for up to BATCH of them, and the
   * rest at the end of the current job): a burst of starts (apply() of 200)
   * costs a few writes, not 200, and the helper starts on the first batch
   * while the supervisor plans the next.
   */
  private send(helper: ChildProcess, frame: Buffer): void {
    this.outbox.push(frame);
    if (this.outbox.length >= BATCH) return this.flush(helper);
    if (this.outbox.length === 1) queueMicrotask(() => this.flush(helper));
  }

  private flush(helper: ChildProcess): void {
    if (this.outbox.length === 0) return;
    const frames = this.outbox.length === 1 ? this.outbox[0]! : Buffer.concat(this.outbox);
    this.outbox = [];
    if (this.helper === helper) helper.stdin!.write(frames);
  }

  close(): void {
    this.closed = true;
    const helper = this.helper;
    this.helper = null;
    this.pending.clear();
    this.outbox = [];
    this.children.clear();
    if (!helper) return;
    // End of input: the helper exits; the programs run on.
    helper.stdin!.end();
    unrefAll(helper);
  }

  /**
   * How the helper reaches an output: "n" /dev/null, "i" its own, "p" + a
   * path to open. Undefined when it cannot: a relay's input is a socket
   * (Node's pipes are socket pairs), which cannot be opened by path.
   */
  private outputArg(output: Output): string | undefined {
    if (output === 'ignore') return 'n';
    if (output === 'inherit') return this.inherit ? 'i' : undefined;
    // The helper is our child and runs as our user: it may open our descriptors.
    return typeof output === 'number' ? `p/proc/${process.pid}/fd/${output}` : undefined;
  }

  private running(): ChildProcess | null {
    if (this.helper) return this.helper;
    if (this.broken || this.closed) return null;
    const stdio = this.inherit ? 'inherit' : 'ignore';
    // Its own session: a terminal's ^C reaches the supervisor, which decides.
    const helper = spawn(this.path, [], { stdio: ['pipe', stdio, stdio, 'pipe'], detached: true });
    if (helper.pid === undefined) {
      helper.on('error', () => undefined);
      this.broken = true;
      return null;
    }
    helper.on('error', () => undefined);
    helper.stdin!.on('error', () => undefined);
    const replies = helper.stdio[3] as Socket;
    replies.setEncoding('latin1');
    replies.on('data', (chunk: string) => this.received(chunk));
    replies.on('error', () => undefined);
    helper.once('exit', (code) => this.helperExited(helper, code));
    this.helper = helper;
    this.answered = false;
    return helper;
  }

  private received(chunk: string): void {
    this.lines += chunk;
    let end: number;
    while ((end = this.lines.indexOf('\n')) >= 0) {
      const line = this.lines.slice(0, end);
      this.lines = this.lines.slice(end + 1);
      this.answered = true;
      this.reply(line.split(' '));
    }
    this.reference();
  }

  private reply([kind, first, second, third]: string[]): void {
    if (kind === 'X') {
      const pid = Number(first);
      const entry = this.children.get(pid);
      this.children.delete(pid);
      if (!entry) return;
      const code = Number(second);
      const signal = Number(third);
      entry.events.exited(code >= 0 ? code : null, signal >= 0 ? SIGNAL_NAMES.get(signal) ?? null : null);
      return;
    }
    const id = Number(first);
    const entry = this.pending.get(id);
    this.pending.delete(id);
    if (!entry) return;
    if (kind === 'S') {
      const pid = Number(second);
      if (entry.detached) return;
      entry.pid = pid;
      this.children.set(pid, entry);
      entry.events.spawned(pid, third === '-' ? undefined : third);
    } else if (!entry.detached) {
      entry.events.failed(failure(entry.plan, second!, Number(third)));
    }
  }

  /** The helper is gone: what it had not answered did not start; what it started is no longer our child. */
  private helperExited(helper: ChildProcess, code: number | null): void {
    if (this.helper !== helper) return;
    this.helper = null;
    this.lines = '';
    this.outbox = [];
    // One that dies before its first answer cannot run here (a wrong build).
    if (!this.answered && code !== 0) this.broken = true;
    const pending = [...this.pending.values()];
    const children = [...this.children.values()];
    this.pending.clear();
    this.children.clear();
    for (const entry of pending) if (!entry.detached) entry.events.failed(`run ${entry.plan.program}: the spawn helper exited (code ${code ?? 'none'}) before it answered`);
    for (const entry of children) entry.events.lost();
  }

  /** The helper keeps the host's event loop alive only while it has programs to report on. */
  private reference(): void {
    const helper = this.helper;
    if (!helper) return;
    if (this.pending.size > 0 || this.children.size > 0) refAll(helper);
    else unrefAll(helper);
  }
}

function refAll(helper: ChildProcess): void {
  helper.ref();
  (helper.stdin as Socket | null)?.ref();
  (helper.stdio[3] as Socket | null)?.ref();
}

function unrefAll(helper: ChildProcess): void {
  helper.unref();
  (helper.stdin as Socket | null)?.unref();
  (helper.stdio[3] as Socket | null)?.unref();
}
