// What /proc says about a pid: alive or not, its process group, and its
// start time (clock ticks since boot), which tells a reused pid apart.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One letter: R S D Z T t X I … */
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Field 22 of /proc/<pid>/stat, as text (it can exceed 2^53 in theory). */
  startTime: string;
}

/** /proc/<pid>/stat parsed, or undefined when there is no such process. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    sid: Number(fields[3]),
    startTime: fields[19]!,
  };
}

/** True when `pid` runs, is not a zombie, and (if given) started at `startTime`. */
export function isAlive(pid: number, startTime?: string): boolean {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** The argv of a process, or undefined when it is gone or hidden. */
export function readCmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

let bootTimeMs: number | undefined;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** When a process started (ms since the epoch), from its /proc start time. */
export function startedAtMs(startTime: string): number {
  if (bootTimeMs === undefined) {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = btime ? Number(btime[1]) * 1000 : 0;
  }
  return bootTimeMs + (Number(startTime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Whether a live process looks like a run of a spec: one of its argv
 * entries is the program (same path or base name; a daemon may retitle
 * itself, so for daemons argv[0] may also start with the name, as in
 * "nginx: master process") and, unless it is a daemon, its argv ends with
 * the spec's args.
 */
export function commandMatches(pid: number, run: string, args: readonly string[], daemon: boolean): boolean {
  const argv = readCmdline(pid);
  if (!argv || argv.length === 0) return false;
  const program = run.split('/').pop()!;
  const named = (arg: string) => arg === run || arg.split('/').pop() === program;
  const retitled = daemon && argv[0]!.split(/[\s:]/)[0]!.split('/').pop() === program;
  if (!argv.some(named) && !retitled) return false;
  if (daemon) return true;
  const tail = argv.slice(argv.length - args.length);
  return argv.length > args.length && tail.every((arg, i) => arg === args[i]);
}

/** The real uid a process runs as, or undefined when it is gone. */
export function readUid(pid: number): number | undefined {
  try {
    const line = /^Uid:\t(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return line ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}
