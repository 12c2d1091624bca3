// apply() takes each entry of its list as a user writes it (a ProcInput,
// as in a worker file) or as procspec normalised it (a Proc). A spec that
// procspec's normaliseProc made in this process carries its mark and is
// taken as it is (a worker file, every apply of a daemon: the validator is
// never loaded for them). Any other entry is checked by procspec: a written
// one is validated and normalised, exactly as loadFile does for a file; one
// in the normalised form (a copy, or one built by hand) must be exactly what
// procspec makes of its written form. One entry that fails refuses the
// whole list before anything moves.
import { isDeepStrictEqual } from 'node:util';
import type { Issue, Proc, ProcInput } from '@diprocd/procspec';
import { isNormalisedProc } from '@diprocd/procspec/runtime';
import { SupervisorError } from '../errors.js';

// Every key of a normalised Proc (the compiler holds this list to the type):
// a plain object with them all, as its own, is in the normalised form.
const NORMALISED_KEYS = Object.keys({
  name: true,
  run: true,
  args: true,
  env: true,
  cwd: true,
  umask: true,
  user: true,
  group: true,
  groups: true,
  chroot: true,
  rlimits: true,
  pid_file: true,
  write_pid: true,
  daemon: true,
  logs: true,
  log_timestamps: true,
  log_max_size: true,
  log_keep: true,
  log_pipe: true,
  log_pipe_as: true,
  log_stderr: true,
  restart: true,
  restart_limit: true,
  backoff: true,
  min_uptime: true,
  success_delay: true,
  stop_signal: true,
  stop_timeout: true,
  timeout: true,
  load: true,
  depends: true,
} satisfies Record<keyof Proc, true>) as (keyof Proc)[];

const inNormalisedForm = (entry: unknown): entry is Record<keyof Proc, unknown> =>
  typeof entry === 'object' &&
  entry !== null &&
  [Object.prototype, null].includes(Object.getPrototypeOf(entry)) &&
  NORMALISED_KEYS.every((key) => Object.hasOwn(entry, key));

/** How an entry is named in a message: its name if it has one, and its place in the list. */
function label(entry: unknown, index: number): string {
  const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== ''
    ? `process ${JSON.stringify(name)} (entry ${index})`
    : `entry ${index} (no name)`;
}

const describe = (issue: Issue) => `  ${issue.path === '' ? '' : `${issue.path}: `}${issue.message} [${issue.code}]`;

/**
 * The list as normalised specs. Throws DPD_INVALID_SPEC naming each entry
 * that does not validate, its fields and why; warnings (an unknown key) are
 * let through, as loadFile lets them through, and said in `warnings`. `seen` keeps, by entry, what an
 * entry in the normalised form was taken as and its JSON then: applied again
 * unchanged (the same object, the same JSON), it is not checked again. The
 * spec used is always the one checked: a change JSON does not show (NaN for
 * null) is a change to a value that would not validate, and is ignored.
 */
export async function acceptSpecs(list: readonly (Proc | ProcInput)[], seen: WeakMap<object, Seen>): Promise<Accepted> {
  if (!Array.isArray(list))
    throw new SupervisorError(
      'DPD_INVALID_SPEC',
      `apply: expected an array of process specs, found ${list === null ? 'null' : typeof list}`,
    );
  // Indexes, not every() or map(): a hole in the list is an entry, and is refused.
  const procs = [...list] as Proc[];
  const unchecked: number[] = [];
  for (let index = 0; index < list.length; index++) {
    const entry: unknown = list[index];
    if (isNormalisedProc(entry)) continue;
    const known = typeof entry === 'object' && entry !== null ? seen.get(entry) : undefined;
    if (known && jsonOf(entry) === known.json) procs[index] = known.proc;
    else unchecked.push(index);
  }
  if (unchecked.length === 0) return { procs, warnings: [] };
  const procspec = await import('@diprocd/procspec');
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const index of unchecked) {
    const entry = list[index];
    const checked = check(procspec, entry);
    if ('problem' in checked) {
      problems.push(`apply: ${label(entry, index)} ${checked.problem}`);
      continue;
    }
    procs[index] = checked.proc;
    for (const warning of checked.warnings ?? [])
      warnings.push(`apply: ${label(entry, index)}: ${describe(warning).trim()}`);
    const json = inNormalisedForm(entry) ? jsonOf(entry) : undefined;
    if (json !== undefined) seen.set(entry as object, { proc: checked.proc, json });
  }
  if (problems.length > 0) throw new SupervisorError('DPD_INVALID_SPEC', problems.join('\n'));
  return { procs, warnings };
}

type Procspec = typeof import('@diprocd/procspec');

/** The list as normalised specs, and what procspec warned of in the entries it read as written. */
export interface Accepted {
  procs: readonly Proc[];
  /** One line an issue: `apply: process "x" (entry 0): restrat: unknown key, ignored; did you mean …` */
  warnings: string[];
}

/** An entry's JSON; undefined when it has none (a cycle, a BigInt): then it is checked every time. */
function jsonOf(entry: unknown): string | undefined {
  try {
    return JSON.stringify(entry);
  } catch {
    return undefined;
  }
}

/** What an entry in the normalised form was taken as, and its JSON then. */
export interface Seen {
  proc: Proc;
  json: string;
}

/**
 * One entry without procspec's mark, checked: its normalised form, or why it is refused. One in the normalised form
 * is taken when it is exactly what procspec makes of the spec it stands for; else it is read as written (a written
 * spec may name every key too, its durations as text), and when that fails too, what is said is why it is not a
 * normalised spec.
 */
function check(procspec: Procspec, entry: unknown): { proc: Proc; warnings?: Issue[] } | { problem: string } {
  const normal = inNormalisedForm(entry) ? asNormalised(procspec, entry) : undefined;
  if (normal && 'proc' in normal) return normal;
  const result = procspec.validate('proc', entry);
  if (result.valid) return { proc: result.value!, warnings: result.issues };
  return normal ?? { problem: `does not validate:\n${errors(result.issues)}` };
}

/** The entry, when it is what procspec makes of the spec it stands for; else why not. */
function asNormalised(
  { validate, procToSpec }: Procspec,
  entry: Record<keyof Proc, unknown>,
): { proc: Proc } | { problem: string } {
  const says = 'has every key of a normalised spec, but';
  let written: ProcInput;
  try {
    written = procToSpec(entry as Proc);
  } catch (error) {
    return { problem: `${says} its fields do not have the types of one (${(error as Error).message})` };
  }
  const result = validate('proc', written);
  if (!result.valid) return { problem: `${says} its values do not validate:\n${errors(result.issues)}` };
  const differ = NORMALISED_KEYS.filter((key) => !isDeepStrictEqual(result.value![key], entry[key]));
  if (differ.length > 0) return { problem: `${says} ${differ.join(', ')} differ from what procspec makes of them` };
  return { proc: result.value! };
}

const errors = (issues: Issue[]) =>
  issues
    .filter((issue) => issue.severity === 'error')
    .map(describe)
    .join('\n');
