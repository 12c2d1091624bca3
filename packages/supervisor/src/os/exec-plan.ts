// How to run a spec: the program resolved, cwd checked, identity decided,
// as a plan that a spawner carries out (the spawn helper sets it all up
// itself; Node's spawn needs the wrappers of wrappedCommand()). Problems
// found here are per-process failures with a reason, never exceptions.
import { readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Proc, RlimitName, RlimitValue } from '@diprocd/procspec/runtime';
import type { SupervisorErrorCode } from '../errors.js';
import { deniedOn } from './access.js';
import { databaseFailure, groupsOf, lookupGroup, lookupUser, type Account } from './identity.js';
import { burstExecutable, burstStat } from './burst-cache.js';

/** The identity a program switches to (only ever asked of a root supervisor). */
export interface Ids {
  uid: number;
  gid: number;
  /** Supplementary groups, set exactly (an empty list clears them). */
  groups: number[];
}

/**
 * How to run one start of a spec, as data: what a spawner sets up in the
 * child before it execs `program`.
 */
export interface ExecPlan {
  /** The program's absolute path (inside `chroot` when there is one) and its arguments. */
  program: string;
  args: string[];
  /** The working directory (inside `chroot` when there is one). */
  cwd: string;
  /** Shared between plans of the same spec: read-only. */
  env: Readonly<Record<string, string>>;
  /** The uid the program runs as. */
  uid: number;
  /** Another identity to switch to, or null to keep the supervisor's. */
  ids: Ids | null;
  chroot: string | null;
  rlimits: { name: RlimitName; soft: RlimitValue; hard: RlimitValue }[];
  umask: number;
}

/** A failure carries the OS's code (`errno`) when a shortage the machine lifts caused it. */
export type PlanResult =
  { ok: true; plan: ExecPlan } | { ok: false; code: SupervisorErrorCode; reason: string; errno?: string };

/** A plan as one command line for a spawner that can only exec (Node's spawn). */
export type WrappedResult = { ok: true; file: string; args: string[]; cwd: string } | { ok: false; reason: string };

/** Who the supervisor is and what the children inherit. */
export interface ExecContext {
  uid: number;
  gid: number;
  groups: number[];
  /** The environment programs start from. */
  env: Readonly<Record<string, string>>;
}

export const currentContext = (): ExecContext => ({
  uid: process.getuid!(),
  gid: process.getgid!(),
  groups: process.getgroups!(),
  // A copy: reading process.env costs far more than a plain object, on every spawn.
  env: Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ),
});

/**
 * This process's umask, read from /proc (process.umask() would have to set it to read it); undefined when /proc cannot
 * be read now (no descriptor left: EMFILE).
 */
export function ownUmask(): number | undefined {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return undefined;
  }
  const line = /^Umask:\s+([0-7]+)$/m.exec(status);
  return line ? Number.parseInt(line[1]!, 8) : 0o022;
}

class PlanError extends Error {
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
    readonly errno?: string,
  ) {
    super(message);
  }
}

const fail = (reason: string, code: SupervisorErrorCode = 'DPD_SPAWN_FAILED'): never => {
  throw new PlanError(code, reason);
};

/** A user or group not found in `file`; or, when the file could not be read (EMFILE…), that. */
const unknown = (what: string, file: string): never => {
  const errno = databaseFailure();
  if (errno) throw new PlanError('DPD_SPAWN_FAILED', `${what}: ${file} could not be read: ${errno}`, errno);
  return fail(`${what}: unknown (not in ${file})`);
};

function osReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such file or directory'
    : code === 'EACCES'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'not a directory'
        : String(code ?? error);
}

function checkDirectory(path: string, what: string): void {
  try {
    if (!burstStat(path).isDirectory()) fail(`${what} ${path}: not a directory`);
  } catch (error) {
    if (error instanceof PlanError) throw error;
    fail(`${what} ${path}: ${osReason(error)}`);
  }
}

function checkExecutable(path: string): boolean {
  try {
    return burstStat(path).isFile() && burstExecutable(path);
  } catch {
    return false;
  }
}

/** The program's path: as given when it has a slash (relative to cwd), else the first match in PATH. */
export function resolveProgram(run: string, cwd: string, path: string | undefined, root = '/'): string {
  if (run.includes('/')) {
    const absolute = resolve(cwd, run);
    const onDisk = join(root, absolute);
    try {
      burstStat(onDisk);
    } catch (error) {
      fail(`run ${absolute}: ${osReason(error)}`);
    }
    if (!checkExecutable(onDisk)) fail(`run ${absolute}: not an executable file`);
    return absolute;
  }
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (dir && isAbsolute(dir) && checkExecutable(join(root, dir, run))) return join(dir, run);
  }
  return fail(`run ${run}: not found in PATH (${path ?? 'unset'})`);
}

const wrappers = new Map<string, string>();
/** A wrapper tool's path from the supervisor's PATH, found once. */
function tool(name: 'setpriv' | 'prlimit' | 'chroot'): string {
  let found = wrappers.get(name);
  if (!found) {
    try {
      found = resolveProgram(name, '/', `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin:/sbin:/bin`);
    } catch {
      return fail(`${name} is needed for this spec and was not found (util-linux/coreutils)`);
    }
    wrappers.set(name, found);
  }
  return found;
}

interface Identity {
  account: Account | undefined;
  gid: number;
  groups: number[];
  /** True when the child needs another identity than the supervisor's. */
  switches: boolean;
}

/** The user a spec runs as: its own, else nobody when the supervisor is root, else null (the supervisor's). */
const specUser = (spec: Proc, ctx: ExecContext): string | number | null =>
  spec.user ?? (ctx.uid === 0 ? 'nobody' : null);

function identity(spec: Proc, ctx: ExecContext): Identity {
  const root = ctx.uid === 0;
  const user = specUser(spec, ctx);
  const account =
    user === null ? undefined : (lookupUser(user) ?? unknown(`user ${JSON.stringify(user)}`, '/etc/passwd'));
  const gid =
    spec.group === null
      ? (account?.gid ?? ctx.gid)
      : (lookupGroup(spec.group) ?? unknown(`group ${JSON.stringify(spec.group)}`, '/etc/group'));
  const groups =
    spec.groups === null
      ? account
        ? groupsOf(account)
        : ctx.groups
      : spec.groups.map((g) => lookupGroup(g) ?? unknown(`groups: ${JSON.stringify(g)}`, '/etc/group'));
  const sameGroups = groups.length === ctx.groups.length && groups.every((g) => ctx.groups.includes(g));
  const switches =
    (account !== undefined && account.uid !== ctx.uid) || gid !== ctx.gid || !sameGroups || spec.chroot !== null;
  if (switches && !root) {
    // Without root only the supervisor's own identity is possible; default
    // groups are then whatever the supervisor has.
    const explicit =
      account?.uid !== undefined && account.uid !== ctx.uid
        ? `user ${JSON.stringify(user)}`
        : spec.group !== null && gid !== ctx.gid
          ? `group ${JSON.stringify(spec.group)}`
          : spec.chroot !== null
            ? `chroot ${spec.chroot}`
            : spec.groups !== null
              ? 'groups'
              : undefined;
    if (explicit) fail(`${explicit} needs root; the supervisor runs as uid ${ctx.uid}`, 'DPD_IDENTITY');
    return { account, gid: ctx.gid, groups: ctx.groups, switches: false };
  }
  return { account, gid, groups, switches };
}

// A program's environment, built once per (context, spec env, account), the
// spec's env compared by content: most specs share one object, and a restart
// copies nothing. Plans treat it as read-only.
const ENV_LIMIT = 10_000;
const envs = new WeakMap<ExecContext, Map<string, Readonly<Record<string, string>>>>();

function programEnv(
  ctx: ExecContext,
  own: Readonly<Record<string, string>>,
  account: Account | undefined,
): Readonly<Record<string, string>> {
  let built = envs.get(ctx);
  if (!built) envs.set(ctx, (built = new Map()));
  const key = JSON.stringify([account?.name ? [account.name, account.home ?? '/'] : null, own]);
  let env = built.get(key);
  if (!env) {
    const fresh: Record<string, string> = { ...ctx.env, LC_ALL: 'C' };
    if (account?.name) Object.assign(fresh, { USER: account.name, LOGNAME: account.name, HOME: account.home ?? '/' });
    env = Object.freeze(Object.assign(fresh, own));
    if (built.size >= ENV_LIMIT) built.clear();
    built.set(key, env);
  }
  return env;
}

/** The uid a spec's program runs as (undefined when its user is unknown). */
export function targetUid(spec: Proc, ctx: ExecContext): number | undefined {
  const user = specUser(spec, ctx);
  return user === null ? ctx.uid : lookupUser(user)?.uid;
}

/** The plan for one start of `spec`, or the reason it cannot start. */
export function planExec(spec: Proc, ctx: ExecContext): PlanResult {
  try {
    const who = identity(spec, ctx);
    const env = programEnv(ctx, spec.env, who.switches ? who.account : undefined);

    const root = spec.chroot ?? '/';
    if (spec.chroot !== null) checkDirectory(spec.chroot, 'chroot');
    checkDirectory(join(root, spec.cwd), spec.chroot ? `cwd (in chroot ${spec.chroot})` : 'cwd');
    const program = resolveProgram(spec.run, spec.cwd, env.PATH, root);
    const uid = who.account?.uid ?? ctx.uid;
    if (who.switches) {
      const gids = [who.gid, ...who.groups];
      const cwdDenied = deniedOn(join(root, spec.cwd), uid, gids);
      if (cwdDenied) fail(`cwd ${spec.cwd}: uid ${uid} may not enter ${cwdDenied}`);
      const runDenied = deniedOn(join(root, program), uid, gids);
      if (runDenied)
        fail(
          `run ${program}: uid ${uid} may not ${runDenied === join(root, program) ? 'execute it' : `pass ${runDenied}`}`,
        );
    }

    const rlimits = Object.entries(spec.rlimits).map(([name, limit]) => ({ name: name as RlimitName, ...limit! }));
    const ids = who.switches ? { uid, gid: who.gid, groups: who.groups } : null;
    const plan: ExecPlan = {
      program,
      args: spec.args,
      cwd: spec.cwd,
      env,
      uid,
      ids,
      chroot: spec.chroot,
      rlimits,
      umask: spec.umask,
    };
    return { ok: true, plan };
  } catch (error) {
    if (error instanceof PlanError) return { ok: false, code: error.code, reason: error.message, errno: error.errno };
    throw error;
  }
}

/**
 * The plan as a command that Node's spawn can run: setpriv, chroot and
 * prlimit set what spawn cannot (supplementary groups, chroot, rlimits) and
 * a shell sets the umask. Each wrapper execs in place, so the pid is the
 * program's own.
 */
export function wrappedCommand(plan: ExecPlan): WrappedResult {
  try {
    let argv = [plan.program, ...plan.args];
    let cwd = plan.cwd;
    const ids = plan.ids;
    if (plan.chroot !== null && ids) {
      const enter = plan.cwd === '/' ? [] : ['/bin/sh', '-c', 'cd -- "$0" && exec "$@"', plan.cwd];
      argv = [
        tool('chroot'),
        `--userspec=${ids.uid}:${ids.gid}`,
        `--groups=${ids.groups.join(',')}`,
        plan.chroot,
        ...enter,
        ...argv,
      ];
      cwd = '/';
    } else if (ids) {
      const groups = ids.groups.length > 0 ? `--groups=${ids.groups.join(',')}` : '--clear-groups';
      argv = [tool('setpriv'), `--reuid=${ids.uid}`, `--regid=${ids.gid}`, groups, '--', ...argv];
    }
    const limits = plan.rlimits.map(({ name, soft, hard }) => `--${name}=${soft}:${hard}`);
    if (limits.length > 0) argv = [tool('prlimit'), ...limits, '--', ...argv];
    // The umask is set in the child, by a shell that execs in place: setting
    // the supervisor's own (process-wide) umask around spawn would leak into
    // files the host creates at that moment. Not needed when they agree; set
    // when ours cannot be read at the moment.
    if (plan.umask !== ownUmask())
      argv = ['/bin/sh', '-c', `umask ${plan.umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`, ...argv];
    return { ok: true, file: argv[0]!, args: argv.slice(1), cwd };
  } catch (error) {
    if (error instanceof PlanError) return { ok: false, reason: error.message };
    throw error;
  }
}
