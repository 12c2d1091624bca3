// What the benchmarks share: clocks, statistics, free loopback ports,
// daemons in the foreground with their JSON logs, bounded waits, specs
// normalised out of process.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const CLK_TCK = 100;
export const now = () => performance.now();
/** Wall-clock milliseconds with sub-millisecond precision, comparable between threads and processes of one machine. */
export const wall = () => performance.timeOrigin + performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (x, digits = 1) =>
  x === undefined || x === null || Number.isNaN(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;
export const loadAverage = () => readFileSync('/proc/loadavg', 'latin1').split(' ').slice(0, 3).join(' ');
export const lastPid = () => Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));

/**
 * CPU time a process has run, in ns, all its threads: the scheduler's own
 * account (/proc/PID/task/TID/schedstat), not utime and stime, which are
 * sampled in ticks of 10 ms (one tick in a 10 s window is already 0.1 %).
 * A thread that ended takes its time with it (V8's and libuv's threads live
 * as long as the process). 0 once the process is gone.
 */
export function cpuNs(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // gone
  }
  let ns = 0;
  let read = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      read++;
    } catch {
      // the thread ended meanwhile
    }
  }
  if (read === 0 && tids.length > 0) throw new Error(`cannot read /proc/${pid}/task/*/schedstat`);
  return ns;
}

/**
 * Process definitions normalised by @diprocd/procspec in another process:
 * importing its validator here would add its memory (~12 MiB) to what a
 * benchmark of the supervisor measures, and a host that embeds the
 * supervisor need not load it (the worker daemon validates, then hands over
 * plain specs). Run from the repository's root.
 */
export function normaliseElsewhere(procs) {
  const script = `import { normaliseProc } from '@diprocd/procspec'; process.stdout.write(JSON.stringify(${JSON.stringify(procs)}.map((p) => normaliseProc(p))))`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 30 }));
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** n, p50, p95, p99, max, min of the samples (missing ones left out). */
export function summary(samples) {
  const s = samples.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(quantile(s, 0.5)),
    p95: round(quantile(s, 0.95)),
    p99: round(quantile(s, 0.99)),
    max: round(s[s.length - 1]),
    min: round(s[0]),
  };
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A process's argv, or undefined once it is gone. */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch {
    return undefined;
  }
}

/** Starts a daemon in the foreground, its JSON log lines in `child.events` and appended to `log`. */
export function daemon(bin, file, log, children, role = 'daemon') {
  // The bin itself, as an operator runs it: its #! line may carry Node flags.
  const child = spawn(bin, ['-f', '--log-format', 'json', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.role = role;
  children.push(child);
  const lines = [];
  let rest = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    writeFileSync(log, chunk, { flag: 'a' });
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ msg: 'raw', line });
      }
    }
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.events = lines;
  return child;
}

/** Polls `probe` until it returns something truthy, or throws after `timeoutMs`. */
export async function waitFor(what, probe, timeoutMs, everyMs = 20) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The first log event named `event` (and matching `match`) of a daemon; fails at once if the daemon exited. */
export const waitEvent = (child, event, timeoutMs = 20_000, match = () => true) =>
  waitFor(
    `${child.role} ${event}`,
    () => {
      if (child.exitCode !== null)
        throw new Error(
          `${child.role} exited (${child.exitCode}) before ${event}: ${JSON.stringify(child.events.slice(-5))}`,
        );
      return child.events.find((e) => e.msg === event && match(e));
    },
    timeoutMs,
  );

/**
 * SIGTERM to each, workers last (their stop_on_exit stops what they run,
 * and nothing hands them more meanwhile), the rest last started first;
 * SIGKILL to one that has not gone within 15 s.
 */
export async function stopAll(children) {
  const order = (c) => ((c.role ?? '').startsWith('worker') ? 1 : 0);
  const byStart = [...children].reverse();
  for (const child of byStart.sort((a, b) => order(a) - order(b))) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const done = await Promise.race([child.exited, sleep(15_000).then(() => null)]);
    if (done === null) {
      child.kill('SIGKILL');
      await Promise.race([child.exited, sleep(5_000)]);
    }
  }
}
