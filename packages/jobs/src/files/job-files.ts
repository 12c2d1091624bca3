// A job on its node: its spec, its state record and its log, as files in
// one directory that outlives the worker and the client. The job runner
// writes the record as the job moves; the client reads it and reports.
import { closeSync, constants, openSync, readFileSync, readSync, readdirSync, rmSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobSpec } from '@diprocd/procspec/runtime';
import type { ProcInput } from '@diprocd/procspec';
import { writeFileAtomic } from '@diprocd/supervisor/host';
import { JobError } from '../errors.js';

/** A job's states, in the order it passes them; success and failed are final. */
export const JOB_STATES = ['init', 'setup', 'running', 'success', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const isFinalJobState = (state: string): boolean => state === 'success' || state === 'failed';

/** What the runner records of one job. */
export interface JobRecord {
  id: string;
  state: JobState;
  /** The job command's pid while it runs. */
  pid: number | null;
  code: number | null;
  signal: string | null;
  /** Why it failed, in words (a download, a dependency, a timeout, a cancel), or null. */
  reason: string | null;
  workdir: string | null;
  /** Whether the work directory was removed at the end. */
  workdirRemoved: boolean;
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
}

// The runner is dist/job-runner.js, beside this bundle (in a daemon that
// bundles this package, import.meta.url names this package's entry in the
// installed package: tools/build/daemon-bundle.ts). Found when asked, so a
// program that only reads job records never resolves it.
const runnerPath = () => fileURLToPath(new URL('./job-runner.js', import.meta.url));
const SAFE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** The files of job `id` in `dir`. */
export function jobPaths(dir: string, id: string) {
  if (!SAFE_ID.test(id))
    throw new JobError('DPD_JOB_ID', `job id ${JSON.stringify(id)}: expected 1 to 64 letters, digits, "_", "." or "-"`);
  return { spec: join(dir, `${id}.spec.json`), state: join(dir, `${id}.state.json`), log: join(dir, `${id}.log`) };
}

/** What the node decides for a job, beside its spec. Every default is the closed one. */
export interface JobRunOptions {
  /**
   * Who the job runs as when its spec names no `user` (a spec's user is the
   * master's to allow). Default: nobody when the runner is root, else the
   * runner's own user.
   */
  user?: string | number | null;
  /**
   * Directories a file:// download may read from (links resolved; read as the job's user). Default none: file:// is
   * refused.
   */
  fileDirs?: string[];
  /** The most the job's downloads may take together, in bytes. Default 1 GiB. */
  downloadMaxBytes?: number;
}

/** What the runner reads: the job's spec and the node's options. */
export interface JobInputFile {
  spec: JobSpec;
  options: JobRunOptions;
}

/** The default of JobRunOptions.downloadMaxBytes (as procspec's job_download_max_size). */
export const JOB_DOWNLOAD_MAX_BYTES = 1024 ** 3;

/** Writes the spec and options the runner will read (atomically, mode 0600: env and config may hold secrets). */
export function writeJobSpec(dir: string, id: string, spec: JobSpec, options: JobRunOptions = {}): void {
  const input: JobInputFile = { spec, options };
  writeFileAtomic(jobPaths(dir, id).spec, `${JSON.stringify(input)}\n`, { mode: 0o600, durable: true });
}

/** Replaces the job's record atomically (the runner as the job moves; the node when the runner died without a word). */
export function writeJobRecord(dir: string, record: JobRecord): void {
  writeFileAtomic(jobPaths(dir, record.id).state, `${JSON.stringify(record)}\n`, { mode: 0o600, durable: true });
}

/** The job's record, or null when the runner has not claimed it yet. */
export function readJobRecord(dir: string, id: string): JobRecord | null {
  try {
    const text = readFileSync(jobPaths(dir, id).state, 'utf8');
    return text.trim() === '' ? null : (JSON.parse(text) as JobRecord);
  } catch {
    return null;
  }
}

/** The last `maxBytes` of the job's log ('' when it has none). */
export function readJobLogTail(dir: string, id: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(jobPaths(dir, id).log, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The ids of the jobs that have files in `dir`. */
export function listJobIds(dir: string): string[] {
  try {
    return [
      ...new Set(readdirSync(dir).flatMap((name) => /^(.+)\.(?:spec|state)\.json$/.exec(name)?.[1] ?? [])),
    ].filter((id) => SAFE_ID.test(id));
  } catch {
    return [];
  }
}

export function removeJobFiles(dir: string, id: string): void {
  for (const path of Object.values(jobPaths(dir, id))) rmSync(path, { force: true });
}

/**
 * The one-shot process that runs job `id` from `dir` under a supervisor:
 * the job runner, which claims the job once (a replayed list never runs it
 * twice), makes its work directory, sets it up, runs its command and
 * records each state. The runner keeps the supervisor's own user; the job's
 * work runs as the job's user (see JobRunOptions.user).
 */
export function jobProc(dir: string, id: string): ProcInput {
  jobPaths(dir, id); // checks the id
  return {
    name: `job.${id}`,
    run: process.execPath,
    args: [runnerPath(), dir, id],
    user: process.getuid!(),
    restart: 'never',
    stop_timeout: '10s',
  };
}
