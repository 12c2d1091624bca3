// The job runner: one job, once, in a fresh directory. A supervisor runs it
// as a one-shot process (see jobProc); it records each state in the job's
// state file as it goes, writes everything the job and its set-up print to
// the job's log, and removes the directory at the end (kept after a failure
// only when the spec asks).
//
//   node job-runner.js DIR ID      (DIR holds ID.spec.json)
import { spawn } from 'node:child_process';
import { closeSync, constants, copyFileSync, createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '@diprocd/procspec/runtime';
import { jobPaths, writeJobRecord, type JobRecord, type JobState } from './job-files.js';

const [dir, id] = process.argv.slice(2) as [string, string];
const paths = jobPaths(dir, id);
// How long a stopped command has between SIGTERM and SIGKILL.
const KILL_AFTER_MS = 5_000;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const SIGNAL_SETTLE_MS = 100;

// Claim the job: the state file is created exclusively, so a replayed list
// or a restarted worker never runs the same job twice.
try {
  closeSync(openSync(paths.state, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') process.exit(0);
  throw error;
}

const log = openSync(paths.log, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
const note = (line: string) => writeSync(log, `[dpd-job ${new Date().toISOString()}] ${line}\n`);
let record: JobRecord = { id, state: 'init', pid: null, code: null, signal: null, reason: null, workdir: null, workdirRemoved: false, startedAt: Date.now(), endedAt: null, updatedAt: Date.now() };
const save = (state: JobState, changes: Partial<JobRecord> = {}) => {
  record = { ...record, ...changes, state, updatedAt: Date.now() };
  writeJobRecord(dir, record);
};

class JobFailure extends Error {}

let cancelled: NodeJS.Signals | null = null;
let running: ReturnType<typeof spawn> | null = null;
const aborter = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    cancelled = signal;
    aborter.abort(new JobFailure(`cancelled (${signal}) during set-up`));
    // The command is in our process group and usually got the signal too; make
    // sure, and kill it if it ignores it, well before the supervisor's own
    // stop_timeout would kill us too and leave the job without a result.
    running?.kill(signal);
    setTimeout(() => running?.kill('SIGKILL'), KILL_AFTER_MS).unref();
  });
}

/** Runs a set-up step's program with its output in the job log; rejects with a reason when it fails. */
function step(what: string, file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  note(`${what}: ${[file, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', log, log] });
    running = child;
    child.once('error', (error) => reject(new JobFailure(`${what}: ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
    child.once('exit', (code, signal) => {
      running = null;
      if (code === 0) resolve();
      else reject(new JobFailure(`${what}: ${file} ${signal ? `was killed by ${signal}` : `exited ${code}`}`));
    });
  });
}

async function download(name: string, url: string, workdir: string): Promise<void> {
  const target = join(workdir, name);
  note(`download ${name} from ${url}`);
  if (url.startsWith('file:')) {
    try {
      copyFileSync(fileURLToPath(url), target);
    } catch (error) {
      throw new JobFailure(`download ${name}: ${url}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return;
  }
  const signal = AbortSignal.any([AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), aborter.signal]);
  try {
    const response = await fetch(url, { signal, redirect: 'follow' });
    if (!response.ok || response.body === null) throw new JobFailure(`download ${name}: ${url}: HTTP ${response.status} ${response.statusText}`);
    // Streamed to the file: a large download never sits in memory.
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(target, { mode: 0o644 }), { signal });
  } catch (error) {
    if (error instanceof JobFailure) throw error;
    if (aborter.signal.aborted) throw aborter.signal.reason as JobFailure;
    throw new JobFailure(`download ${name}: ${url}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
  }
}

async function main(): Promise<number> {
  const spec = JSON.parse(readFileSync(paths.spec, 'utf8')) as JobSpec;
  save('init');
  const workdir = mkdtempSync(join(tmpdir(), `dpd-job-${id}-`));
  save('setup', { workdir });
  note(`work directory ${workdir}`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
  let ended: { code: number | null; signal: NodeJS.Signals | null; reason: string | null };
  try {
    for (const [name, url] of Object.entries(spec.download_urls)) await download(name, url, workdir);
    const settings = join(workdir, 'settings.json');
    writeFileSync(settings, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600 });
    env.APP_SETTINGS_JSON = settings;
    if (spec.python_deps.length > 0) {
      const venv = join(workdir, 'venv');
      await step('python_deps', 'python3', ['-m', 'venv', venv], workdir, env);
      await step('python_deps', join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', ...(spec.python_cheeseshop ? ['--index-url', spec.python_cheeseshop] : []), ...spec.python_deps], workdir, env);
      env.VIRTUAL_ENV = venv;
      env.PATH = `${join(venv, 'bin')}:${env.PATH ?? '/usr/bin:/bin'}`;
    }
    if (spec.npm_deps.length > 0) {
      await step('npm_deps', 'npm', ['install', '--no-audit', '--no-fund', '--prefix', workdir, ...(spec.npm_registry ? ['--registry', spec.npm_registry] : []), ...spec.npm_deps], workdir, env);
      env.PATH = `${join(workdir, 'node_modules', '.bin')}:${env.PATH ?? '/usr/bin:/bin'}`;
    }
    if (cancelled) throw new JobFailure(`cancelled (${cancelled}) during set-up`);
    // The token, not a longer name it begins ($APP_SETTINGS_JSON stays for the shell).
    const [file, ...args] = spec.cmd.map((arg) => arg.replace(/\$APP_SETTINGS(?![A-Za-z0-9_])/g, () => settings));
    note(`run: ${[file, ...args].join(' ')}`);
    ended = await new Promise((resolve) => {
      const child = spawn(file!, args, { cwd: workdir, env, stdio: ['ignore', log, log] });
      running = child;
      let timedOut = false;
      const timer =
        spec.timeout === null
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              note(`timeout after ${spec.timeout} ms: SIGTERM`);
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS).unref();
            }, spec.timeout);
      child.once('spawn', () => save('running', { pid: child.pid ?? null }));
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, reason: `run ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}` });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        running = null;
        const settle = () => {
          const reason = timedOut ? `timed out after ${spec.timeout} ms` : cancelled ? `cancelled (${cancelled})` : code === 0 ? null : signal ? `killed by ${signal}` : `exited ${code}`;
          resolve({ code, signal, reason });
        };
        // A stop signals the whole group: the command's end may be seen before
        // our own signal handler has run. Give it a moment to say "cancelled".
        if (signal !== null && !cancelled) setTimeout(settle, SIGNAL_SETTLE_MS);
        else settle();
      });
    });
  } catch (error) {
    // Anything else (a full disk writing settings.json…) fails the job too, and the directory still goes.
    const reason = cancelled ? `cancelled (${cancelled}) during set-up` : error instanceof JobFailure ? error.message : `internal error: ${(error as Error).message}`;
    ended = { code: null, signal: null, reason };
    if (!(error instanceof JobFailure)) note(`internal error: ${(error as Error).stack ?? String(error)}`);
  }
  const success = ended.code === 0 && ended.reason === null;
  note(success ? 'success' : `failed: ${ended.reason}`);
  const keep = !success && spec.keep_workdir_on_failure;
  if (keep) note(`work directory kept: ${workdir}`);
  else rmSync(workdir, { recursive: true, force: true });
  save(success ? 'success' : 'failed', { pid: null, code: ended.code, signal: ended.signal, reason: ended.reason, workdirRemoved: !keep, endedAt: Date.now() });
  return success ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Anything unforeseen still ends as a recorded failure, never as a job stuck in a state.
    note(`internal error: ${(error as Error).stack ?? String(error)}`);
    try {
      save('failed', { pid: null, reason: `internal error: ${(error as Error).message}`, endedAt: Date.now() });
    } finally {
      process.exit(70);
    }
  },
);
