// apply() takes each entry of its list as a user writes it (a ProcInput,
// as in a worker file) or as procspec normalised it (a Proc). A written one
// is validated and normalised here, by procspec, exactly as loadFile does
// for a file; one that does not validate fails the whole list before
// anything moves.
import type { Issue, Proc, ProcInput } from '@diprocd/procspec';
import { SupervisorError } from '../errors.js';

// Every key of a normalised Proc (the compiler holds this list to the type):
// an entry that has them all is taken as normalised.
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
} satisfies Record<keyof Proc, true>);

const isNormalised = (entry: unknown): entry is Proc =>
  typeof entry === 'object' && entry !== null && NORMALISED_KEYS.every((key) => key in entry);

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
 * let through, as loadFile lets them through.
 */
export async function acceptSpecs(list: readonly (Proc | ProcInput)[]): Promise<readonly Proc[]> {
  if (!Array.isArray(list))
    throw new SupervisorError(
      'DPD_INVALID_SPEC',
      `apply: expected an array of process specs, found ${list === null ? 'null' : typeof list}`,
    );
  // Normalised lists (a worker file, every apply of a daemon) never load the validator.
  if (list.every(isNormalised)) return list;
  const { validate } = await import('@diprocd/procspec');
  const problems: string[] = [];
  const procs = list.map((entry, index) => {
    if (isNormalised(entry)) return entry;
    const result = validate('proc', entry);
    if (!result.valid)
      problems.push(
        `apply: ${label(entry, index)} does not validate:\n${result.issues
          .filter((issue) => issue.severity === 'error')
          .map(describe)
          .join('\n')}`,
      );
    return result.value!;
  });
  if (problems.length > 0) throw new SupervisorError('DPD_INVALID_SPEC', problems.join('\n'));
  return procs;
}
