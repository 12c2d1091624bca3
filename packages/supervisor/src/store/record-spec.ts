// What a state record keeps of a spec: a digest (to tell whether the spec
// changed while the supervisor was down) and the few fields needed to stop
// the process. Never the environment: secrets stay off the disk.
import { createHash } from 'node:crypto';
import type { Proc } from '@diprocd/procspec/runtime';

export type StopFields = Pick<Proc, 'name' | 'stop_signal' | 'stop_timeout' | 'pid_file' | 'write_pid' | 'daemon'>;

/** JSON with sorted keys, so equal specs give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const digests = new WeakMap<Proc, string>();

/** sha256 of the spec's canonical JSON (remembered per spec object: a spec is never changed in place). */
export function specDigest(spec: Proc): string {
  let digest = digests.get(spec);
  if (digest === undefined) {
    digest = createHash('sha256').update(canonical(spec)).digest('hex');
    digests.set(spec, digest);
  }
  return digest;
}

export const stopFields = ({ name, stop_signal, stop_timeout, pid_file, write_pid, daemon }: Proc): StopFields => ({
  name,
  stop_signal,
  stop_timeout,
  pid_file,
  write_pid,
  daemon,
});

/**
 * A spec to adopt a process under when its own spec is not known any more:
 * enough to watch and stop it; it equals no real spec, so apply() restarts
 * it with the wanted one or stops it.
 */
export function stopOnlySpec(stop: StopFields): Proc {
  return {
    ...stop,
    run: '',
    args: [],
    env: {},
    cwd: '/',
    umask: 0o077,
    user: null,
    group: null,
    groups: null,
    chroot: null,
    rlimits: {},
    logs: null,
    log_timestamps: false,
    log_max_size: null,
    log_keep: 0,
    log_pipe: null,
    log_pipe_as: null,
    log_stderr: true,
    restart: 'never',
    restart_limit: { starts: 1, within: 1 },
    backoff: { initial: 0, max: 0 },
    min_uptime: 0,
    success_delay: 0,
    timeout: null,
    load: null,
    depends: [],
  };
}
