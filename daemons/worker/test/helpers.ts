import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { alive, waitFor } from '@diprocd/test-utils';
import { alive, waitFor } from '@diprocd/test-utils';

const BIN = fileURLToPath(new URL('../bin/', import.meta.url));

/** A JSON log line (pino's shape: the event's name is `msg`, `level` a number), or `{msg: 'raw', line}`. */
export interface LogEvent {
  msg: string;
  level?: number;
  [key: string]: unknown;
}

/** A dpd-workerd in the foreground, its JSON log lines collected. */
export class RunningWorker {
  readonly events: LogEvent[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          this.events.push(JSON.parse(line));
        } catch {
          this.events.push({ msg: 'raw', line });
        }
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The first event named `event` after the first `after` events, once it is logged. */
  next(event: string, after = 0, timeoutMs?: number): Promise<LogEvent> {
    return waitFor(
      `the worker to log ${event}`,
      () => this.events.slice(after).find((e) => e.msg === event),
      timeoutMs,
    );
  }
}

/** A temp dir with a worker file, and the processes started from it cleaned up afterwards. */
export class Site {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpd-worker-'));
  readonly file = join(this.dir, 'worker.json');
  private readonly workers: RunningWorker[] = [];

  /** Writes the worker file in place (as an editor that truncates and writes). */
  write(procs: unknown[], extra: Record<string, unknown> = {}): void {
    writeFileSync(this.file, JSON.stringify({ procs, ...extra }, null, 2));
  }

  /** Replaces the worker file atomically (as dpd-clientd does). */
  replace(procs: unknown[], extra: Record<string, unknown> = {}): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ procs, ...extra }));
    renameSync(`${this.file}.tmp`, this.file);
  }

  /** A process that sleeps, with this site's dir in its argv so it is recognisable. */
  sleeper(name: string, seconds = 100_000): Record<string, unknown> {
    return { name, run: '/bin/sleep', args: [String(seconds)], env: { SITE: this.dir }, stop_timeout: '2s' };
  }

  // dpd-workerd runs as its bin, as an operator runs it (its #! line is plain node).
  async start(...flags: string[]): Promise<RunningWorker> {
    const child = spawn(join(BIN, 'dpd-workerd.js'), ['-f', '--log-format', 'json', ...flags, this.file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const worker = new RunningWorker(child);
    this.workers.push(worker);
    await Promise.race([
      worker.next('worker.ready'),
      worker.exited.then((code) =>
        Promise.reject(new Error(`dpd-workerd exited ${code}: ${JSON.stringify(worker.events)}`)),
      ),
    ]);
    return worker;
  }

  ctl(...args: string[]) {
    const run = spawnSync(process.execPath, [join(BIN, 'dpd-ctl.js'), '--file', this.file, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  workerd(...args: string[]) {
    const run = spawnSync(join(BIN, 'dpd-workerd.js'), args, { encoding: 'utf8', timeout: 30_000 });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** name → pid of running processes, as dpd-ctl status reports them. */
  pids(): Record<string, number | null> {
    const run = this.ctl('status', '--json');
    if (run.code !== 0) throw new Error(`dpd-ctl status failed: ${run.stderr}`);
    return Object.fromEntries(
      (JSON.parse(run.stdout).procs as { name: string; pid: number | null }[]).map((p) => [p.name, p.pid]),
    );
  }

  states(): Record<string, string> {
    return Object.fromEntries(
      (JSON.parse(this.ctl('status', '--json').stdout).procs as { name: string; state: string }[]).map((p) => [
        p.name,
        p.state,
      ]),
    );
  }

  /** Pids of live processes started for this site (found by the SITE variable each sleeper carries). */
  running(): number[] {
    return readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return (
            readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SITE=${this.dir}`) && alive(Number(pid))
          );
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  async cleanup(): Promise<void> {
    this.ctl('shutdown', '--stop-processes');
    for (const worker of this.workers) {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    }
    // Anything of this site's still running (a worker killed with -9 leaves its processes).
    for (const pid of this.running()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
