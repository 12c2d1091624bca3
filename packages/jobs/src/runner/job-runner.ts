// The job runner: one job, once, in a fresh directory. A supervisor runs it
// as a one-shot process (see jobProc); it records each state in the job's
// state file as it goes, writes everything the job and its set-up print to
// the job's log, and removes the directory at the end (kept after a failure
// only when the spec asks).
//
//   node job-runner.js DIR ID      (DIR holds ID.spec.json: the spec and the node's options)
import { spawn } from 'node:child_process';
import {
  chownSync,
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactUrls } from '@diprocd/procspec/runtime';
import { JobFailure, jobAccount, type JobAccount } from './job-account.js';
import { downloadAll } from './job-download.js';
import {
  JOB_DOWNLOAD_MAX_BYTES,
  jobPaths,
  writeJobRecord,
  type JobInputFile,
  type JobRecord,
  type JobState,
} from '../files/job-files.js';

const [dir, id] = process.argv.slice(2) as [string, string];
const paths = jobPaths(dir, id);
// How long a stopped command has between SIGTERM and SIGKILL.
const KILL_AFTER_MS = 5_000;
const SIGNAL_SETTLE_MS = 100;

// Claim the job: the state file is created exclusively, so a replayed list
// or a restarted worker never runs the same job twice.
try {
  closeSync(
    openSync(paths.state, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600),
  );
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') process.exit(0);
  throw error;
}

const log = openSync(
  paths.log,
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
  0o600,
);
// The runner's own lines never show a URL's credentials (the job's output is its own).
const note = (line: string) => writeSync(log, `[dpd-job ${new Date().toISOString()}] ${redactUrls(line)}\n`);
let record: JobRecord = {
  id,
  state: 'init',
  pid: null,
  code: null,
  signal: null,
  reason: null,
  workdir: null,
  workdirRemoved: false,
  startedAt: Date.now(),
  endedAt: null,
  updatedAt: Date.now(),
};
const save = (state: JobState, changes: Partial<JobRecord> = {}) => {
  record = { ...record, ...changes, state, updatedAt: Date.now() };
  writeJobRecord(dir, record);
};

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
function step(
  what: string,
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  account: JobAccount,
): Promise<void> {
  note(`${what}: ${[file, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', log, log], ...account.spawn });
    running = child;
    child.once('error', (error) =>
      reject(new JobFailure(`${what}: ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)),
    );
    child.once('exit', (code, signal) => {
      running = null;
      if (code === 0) resolve();
      else reject(new JobFailure(`${what}: ${file} ${signal ? `was killed by ${signal}` : `exited ${code}`}`));
    });
  });
}

/**
 * Removes the work directory as its owner: the job's user once it was
 * handed over (the runner never walks a tree that user could change under
 * it), else the runner. What the owner made unwritable is made writable
 * first; what cannot go is noted.
 */
async function removeWorkdir(workdir: string, owner: JobAccount | null): Promise<void> {
  const removal = spawn('/bin/sh', ['-c', 'chmod -R u+rwX -- "$1" 2>/dev/null; exec rm -rf -- "$1"', 'sh', workdir], {
    stdio: ['ignore', log, log],
    env: owner?.env ?? { PATH: process.env.PATH },
    ...(owner?.spawn ?? {}),
  });
  await new Promise((resolve) => removal.once('close', resolve).once('error', resolve));
  if (existsSync(workdir)) note(`work directory not fully removed: ${workdir}`);
}

async function main(): Promise<number> {
  const { spec, options } = JSON.parse(readFileSync(paths.spec, 'utf8')) as JobInputFile;
  save('init');
  // Made by the runner and only its own until set-up has written its files: nothing the
  // job's user does can put a link where the runner writes.
  const workdir = mkdtempSync(join(tmpdir(), `dpd-job-${id}-`));
  save('setup', { workdir });
  note(`work directory ${workdir}`);
  let account: JobAccount | null = null;
  // Until the directory is handed over only the runner has written in it, and the runner removes it.
  let owner: JobAccount | null = null;
  let ended: { code: number | null; signal: NodeJS.Signals | null; reason: string | null };
  try {
    account = jobAccount(spec.user, options.user, workdir);
    note(`runs as ${account.label}`);
    const env: NodeJS.ProcessEnv = { ...account.env, ...spec.env };
    const policy = { fileDirs: options.fileDirs ?? [], maxBytes: options.downloadMaxBytes ?? JOB_DOWNLOAD_MAX_BYTES };
    await downloadAll(spec.download_urls, workdir, policy, account, aborter.signal, note);
    const settings = join(workdir, 'settings.json');
    writeFileSync(settings, `${JSON.stringify(spec, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    env.APP_SETTINGS_JSON = settings;
    // Handed over: the downloads, the settings and the directory become the job user's.
    for (const name of [...Object.keys(spec.download_urls), 'settings.json'])
      chownSync(join(workdir, name), account.uid, account.gid);
    chownSync(workdir, account.uid, account.gid);
    owner = account;
    if (spec.python_deps.length > 0) {
      const venv = join(workdir, 'venv');
      await step('python_deps', 'python3', ['-m', 'venv', venv], workdir, env, account);
      await step(
        'python_deps',
        join(venv, 'bin', 'pip'),
        [
          'install',
          '--disable-pip-version-check',
          ...(spec.python_cheeseshop ? ['--index-url', spec.python_cheeseshop] : []),
          ...spec.python_deps,
        ],
        workdir,
        env,
        account,
      );
      env.VIRTUAL_ENV = venv;
      env.PATH = `${join(venv, 'bin')}:${env.PATH}`;
    }
    if (spec.npm_deps.length > 0) {
      await step(
        'npm_deps',
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefix',
          workdir,
          ...(spec.npm_registry ? ['--registry', spec.npm_registry] : []),
          ...spec.npm_deps,
        ],
        workdir,
        env,
        account,
      );
      env.PATH = `${join(workdir, 'node_modules', '.bin')}:${env.PATH}`;
    }
    if (cancelled) throw new JobFailure(`cancelled (${cancelled}) during set-up`);
    // The token, not a longer name it begins ($APP_SETTINGS_JSON stays for the shell).
    const [file, ...args] = spec.cmd.map((arg) => arg.replace(/\$APP_SETTINGS(?![A-Za-z0-9_])/g, () => settings));
    note(`run: ${[file, ...args].join(' ')}`);
    ended = await new Promise((resolve) => {
      const child = spawn(file!, args, { cwd: workdir, env, stdio: ['ignore', log, log], ...account!.spawn });
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
        resolve({
          code: null,
          signal: null,
          reason: `run ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
        });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        running = null;
        const settle = () => {
          const reason = timedOut
            ? `timed out after ${spec.timeout} ms`
            : cancelled
              ? `cancelled (${cancelled})`
              : code === 0
                ? null
                : signal
                  ? `killed by ${signal}`
                  : `exited ${code}`;
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
    const reason = cancelled
      ? `cancelled (${cancelled}) during set-up`
      : error instanceof JobFailure
        ? error.message
        : `internal error: ${(error as Error).message}`;
    ended = { code: null, signal: null, reason };
    if (!(error instanceof JobFailure)) note(`internal error: ${(error as Error).stack ?? String(error)}`);
  }
  const success = ended.code === 0 && ended.reason === null;
  note(success ? 'success' : `failed: ${ended.reason}`);
  const keep = !success && spec.keep_workdir_on_failure;
  if (keep) note(`work directory kept: ${workdir}`);
  else await removeWorkdir(workdir, owner);
  save(success ? 'success' : 'failed', {
    pid: null,
    code: ended.code,
    signal: ended.signal,
    reason: ended.reason,
    workdirRemoved: !keep && !existsSync(workdir),
    endedAt: Date.now(),
  });
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
