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
//   request: id file cwd chroot umask uid gid groups rlimits stdout stderr argc argv… (envc env… | "=")
//            where "=" is the environment of the last request that carried one
//   replies: "R" (running), "P id pid" (forked), "S id pid start" (exec'd; its /proc start time, or "-"), "F id stage
// errno" (not started), "X pid code signal left" (exited; left: 1 while processes of its group remain)
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { ExecPlan } from './exec-plan.js';
import { nodeSpawner, type Child, type ChildEvents, type Output, type Spawner } from './launch.js';
import { assetPath } from './assets.js';
import { isTransientErrno } from '../policy/restart-policy.js';

/** Where the build puts the helper: beside this module's bundle. */
export const HELPER_PATH = assetPath('dpd-spawn-helper');

const SIGNAL_NAMES = new Map(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);
// The first name of a number wins: 11 is EAGAIN (as Node's spawn says it), not EWOULDBLOCK.
const ERRNO_NAMES = new Map(
  Object.entries(osConstants.errno)
    .reverse()
    .map(([name, number]) => [number, name]),
);

interface Entry {
  readonly plan: ExecPlan;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly events: ChildEvents;
  /** Known from the helper's P line, as soon as it forked. */
  pid?: number;
  detached: boolean;
  /** Node's spawn, when the helper went before it forked this one. */
  delegate?: Child;
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

const errnoName = (errno: number): string => ERRNO_NAMES.get(errno) ?? `errno ${errno}`;

/** Why a start failed, in the words Node's spawn would use for the same failure. */
function failure(plan: ExecPlan, stage: string, errno: number): string {
  const code = errnoName(errno);
  switch (stage) {
    case 'exec':
      return `run ${plan.program}: ${code}`;
    case 'chdir':
      return `cwd ${plan.cwd}: ${code}`;
    case 'chroot':
      return `chroot ${plan.chroot}: ${code}`;
    case 'request':
      return `run ${plan.program}: the spawn helper could not read the request`;
    default:
      return `${stage}: ${code}`;
  }
}

const NUL = '\0';
const BATCH = 8;

/** The helper's limit on one request (native/spawn-helper.c). */
const MAX_REQUEST = 64 * 2 ** 20;

/**
 * The environment's part of a request (count, then entries), encoded once per env object (plans of one spec share it).
 */
const encodedEnvs = new WeakMap<Readonly<Record<string, string>>, Buffer | string>();

function encodeEnv(env: Readonly<Record<string, string>>): Buffer | string {
  let encoded = encodedEnvs.get(env);
  if (encoded === undefined) {
    const entries = Object.entries(env).map(([key, value]) => `${key}=${value}`);
    encoded = entries.some((entry) => entry.includes(NUL))
      ? 'an env entry holds a NUL byte'
      : Buffer.from([String(entries.length), ...entries].join(NUL) + NUL);
    encodedEnvs.set(env, encoded);
  }
  return encoded;
}

/** In place of the environment: the helper's copy of the last one sent. */
const SAME_ENV = Buffer.from('=\0');

/** The request for one start, or why it cannot be sent. `sameEnv`: the helper holds plan.env already. */
function encode(id: number, plan: ExecPlan, stdout: string, stderr: string, sameEnv: boolean): Buffer | string {
  const env = sameEnv ? SAME_ENV : encodeEnv(plan.env);
  if (typeof env === 'string') return env;
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
    plan.rlimits
      .map(
        ({ name, soft, hard }) => `${name}:${soft === 'unlimited' ? 'u' : soft}:${hard === 'unlimited' ? 'u' : hard}`,
      )
      .join(','),
    stdout,
    stderr,
    String(argv.length),
    ...argv,
  ];
  if (fields.some((field) => field.includes(NUL))) return 'an argument holds a NUL byte';
  const head = Buffer.from(fields.join(NUL) + NUL);
  const size = head.length + env.length;
  if (size > MAX_REQUEST) return `its arguments and environment take ${size} bytes, more than ${MAX_REQUEST} (E2BIG)`;
  const frame = Buffer.allocUnsafe(4 + size);
  frame.writeUInt32LE(size, 0);
  head.copy(frame, 4);
  env.copy(frame, 4 + head.length);
  return frame;
}

/** Spawns through the helper; falls back to Node's spawn where the helper cannot serve. */
export class HelperSpawner implements Spawner {
  private helper: ChildProcess | null = null;
  private lines = '';
  private outbox: Buffer[] = [];
  private nextId = 1;
  /** Asked for, not yet answered with S or F. */
  private readonly pending = new Map<number, Entry>();
  /** Started and not detached: their exits are reported. */
  private readonly children = new Map<number, Entry>();
  private idleWaiters: (() => void)[] = [];
  /** Set when the helper cannot run here: Node's spawn serves from then on. */
  private broken = false;
  private closed = false;
  /** The helper said R: it runs. */
  private ready = false;
  /**
   * The environment of the last request sent that carried one: the helper
   * keeps a copy, and a request with the same (shared, frozen) env object
   * sends "=" instead. A burst of 200 starts sends it once, not 200 times.
   */
  private lastEnv: Readonly<Record<string, string>> | null = null;

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
    const frame = encode(id, plan, out!, err!, plan.env === this.lastEnv);
    if (typeof frame === 'string') {
      queueMicrotask(() => events.failed(`run ${plan.program}: ${frame}`));
      return { detach: () => undefined };
    }
    this.lastEnv = plan.env;
    const entry: Entry = { plan, stdout, stderr, events, detached: false };
    this.pending.set(id, entry);
    this.send(helper, frame);
    this.reference();
    return {
      // Exits are no longer reported. An answer still due (S or F) is still
      // given: the caller must release the outputs, and must not leave a
      // program it let go of running unrecorded.
      detach: () => {
        entry.detached = true;
        if (entry.pid !== undefined) this.children.delete(entry.pid);
        entry.delegate?.detach();
        this.reference();
      },
    };
  }

  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    this.children.clear();
    this.outbox = [];
    if (!helper) return;
    // End of input: the helper exits; the programs run on. Answers still due
    // arrive until then (idle() waits for them).
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
      // Node's spawn serves this start; a shortage (EMFILE, EAGAIN…) lets the next one try the helper again.
      helper.on('error', (error: NodeJS.ErrnoException) => {
        if (isTransientErrno(error.code)) this.broken = false;
      });
      this.broken = true;
      return null;
    }
    helper.on('error', () => undefined);
    helper.stdin!.on('error', () => undefined);
    const replies = helper.stdio[3] as Socket;
    replies.setEncoding('latin1');
    replies.on('data', (chunk: string) => this.received(chunk));
    replies.on('error', () => undefined);
    // 'close', not 'exit': every answer it wrote has been read by then.
    helper.once('close', () => this.helperGone(helper));
    this.helper = helper;
    this.ready = false;
    this.lastEnv = null; // a new helper holds no environment yet
    return helper;
  }

  private received(chunk: string): void {
    const lines = (this.lines + chunk).split('\n');
    this.lines = lines.pop()!;
    for (const line of lines) this.reply(line.split(' '));
    this.reference();
    this.checkIdle();
  }

  private reply([kind, first, second, third, fourth]: string[]): void {
    switch (kind) {
      case 'R':
        this.ready = true;
        return;
      case 'X': {
        const pid = Number(first);
        const entry = this.children.get(pid);
        this.children.delete(pid);
        if (!entry) return;
        const code = Number(second);
        const signal = Number(third);
        entry.events.exited(
          code >= 0 ? code : null,
          signal >= 0 ? (SIGNAL_NAMES.get(signal) ?? null) : null,
          fourth === '0' ? false : fourth === '1' ? true : undefined,
        );
        return;
      }
    }
    const entry = this.pending.get(Number(first));
    if (!entry) return;
    if (kind === 'P') {
      entry.pid = Number(second);
      return;
    }
    this.pending.delete(Number(first));
    if (kind === 'S') {
      const pid = Number(second);
      entry.pid = pid;
      if (!entry.detached) this.children.set(pid, entry);
      entry.events.spawned(pid, third === '-' ? undefined : third);
    } else {
      // A request it could not read: it forgot the environment it kept too.
      if (second === 'request') this.lastEnv = null;
      entry.events.failed(failure(entry.plan, second!, Number(third)), errnoName(Number(third)));
    }
  }

  /**
   * The helper is gone. What it had forked may run: reported started, then
   * lost (watched by polling from then on). What it had not forked yet goes
   * to Node's spawn. What it started is no longer our child.
   */
  private helperGone(helper: ChildProcess): void {
    if (this.helper === helper) this.helper = null;
    this.lines = '';
    this.outbox = [];
    // One that never said R cannot run here (a build for another system).
    if (!this.ready) this.broken = true;
    const pending = [...this.pending.values()];
    const children = [...this.children.values()];
    this.pending.clear();
    this.children.clear();
    for (const entry of pending) {
      if (entry.pid !== undefined) {
        entry.events.spawned(entry.pid);
        if (!entry.detached) entry.events.lost();
      } else if (entry.detached || this.closed) {
        entry.events.failed(`run ${entry.plan.program}: the spawn helper ended before starting it`);
      } else {
        entry.delegate = nodeSpawner.spawn(entry.plan, entry.stdout, entry.stderr, entry.events);
      }
    }
    for (const entry of children) entry.events.lost();
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.pending.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
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
