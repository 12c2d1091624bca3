// A job's downloads, into its work directory while only root can write
// there: HTTP(S) fetched by the runner, file:// read by a child running as
// the job's user and only under the directories the node allows, all of
// them together held under the node's size cap.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactUrls } from '@diprocd/procspec/runtime';
import { JobFailure, type JobAccount } from './job-account.js';

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
// What of a file:// reader's stderr goes into a failure reason.
const READER_STDERR_BYTES = 512;

export interface DownloadPolicy {
  /** Directories file:// may read from, as the node wrote them (resolved here). */
  fileDirs: string[];
  /** The most all downloads of the job may take together, in bytes. */
  maxBytes: number;
}

/** Counts bytes against what is left of the cap; passing it fails the download with a reason. */
class Budget {
  used = 0;
  constructor(private readonly max: number) {}

  meter(what: string): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.used += chunk.length;
        if (this.used > this.max) done(this.exceeded(what));
        else done(null, chunk);
      },
    });
  }

  exceeded(what: string): JobFailure {
    return new JobFailure(`${what}: the job's downloads passed job_download_max_size (${this.max} bytes) of the node`);
  }

  /** A declared length that cannot fit fails before a byte is read. */
  check(what: string, declared: number): void {
    if (this.used + declared > this.max) throw this.exceeded(what);
  }
}

/** Whether `path` is `dir` or inside it (both absolute, normalised). */
const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * The file a file:// URL may be read from, or a reason why not: its path,
 * as written and with its links resolved, must be inside one of the node's
 * directories (which are resolved too). The path is checked as written
 * before anything touches it, and a path that does not resolve gets the
 * same refusal as one that leads out, so a refusal says nothing of what
 * exists outside. (Between this check and the read a job user who can
 * write in an allowed directory could swap a link in: the read is still
 * the job user's own, so it gets nothing that user could not read anyway.
 * Allow directories job users cannot write.)
 */
async function allowedFile(url: string, dirs: string[]): Promise<string> {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (error) {
    throw new JobFailure(`${(error as Error).message}`);
  }
  const refused = () =>
    new JobFailure(
      dirs.length === 0
        ? 'file:// is refused: the node allows no directories (job_file_dirs)'
        : `file:// reads only files that exist under the node's job_file_dirs (${dirs.join(', ')})`,
    );
  const roots = dirs.filter(isAbsolute).map((dir) => resolve(dir));
  if (!roots.some((dir) => inside(resolve(path), dir))) throw refused();
  const real = await realpath(path).catch(() => {
    throw refused();
  });
  const realRoots = await Promise.all(roots.map((dir) => realpath(dir).catch(() => null)));
  if (!realRoots.some((dir) => dir !== null && inside(real, dir))) throw refused();
  return real;
}

/**
 * A URL's `user:password@` as an Authorization header (fetch refuses a URL
 * that carries them, as browsers do); the header is dropped by fetch on a
 * redirect to another origin.
 */
function withoutCredentials(url: string): [string, RequestInit] {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return [url, {}];
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString(
    'base64',
  );
  parsed.username = parsed.password = '';
  return [parsed.href, { headers: { authorization: `Basic ${basic}` } }];
}

/** The bytes of `file` as `account` reads them (a child running as that user), for the caller to store. */
function readAs(file: string, account: JobAccount): { stream: Readable; done: Promise<void>; stop: () => void } {
  const child = spawn('cat', ['--', file], { ...account.spawn, env: account.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    if (stderr.length < READER_STDERR_BYTES) stderr += chunk.toString();
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new JobFailure(`cannot start cat to read it: ${(error as NodeJS.ErrnoException).code ?? error.message}`)),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new JobFailure(
            `cannot read it as ${account.label}: ${stderr.trim().replace(/^cat: /, '') || (signal ? `killed by ${signal}` : `exited ${code}`)}`,
          ),
        );
    });
  });
  return { stream: child.stdout!, done, stop: () => child.exitCode === null && child.kill('SIGKILL') };
}

/**
 * Downloads every entry of `urls` (file name → URL) into `workdir`. Each
 * file is created anew (never through a link), and a failure names the
 * file and the URL, credentials hidden.
 */
export async function downloadAll(
  urls: Record<string, string>,
  workdir: string,
  policy: DownloadPolicy,
  account: JobAccount,
  aborted: AbortSignal,
  note: (line: string) => void,
): Promise<void> {
  const budget = new Budget(policy.maxBytes);
  for (const [name, url] of Object.entries(urls)) {
    const what = `download ${name}: ${redactUrls(url)}`;
    note(`download ${name} from ${redactUrls(url)}`);
    const target = () => createWriteStream(join(workdir, name), { flags: 'wx', mode: 0o600 });
    const signal = AbortSignal.any([AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), aborted]);
    try {
      if (url.startsWith('file:')) {
        const reader = readAs(await allowedFile(url, policy.fileDirs), account);
        try {
          await Promise.all([pipeline(reader.stream, budget.meter(what), target(), { signal }), reader.done]);
        } finally {
          reader.stop();
        }
        continue;
      }
      const [href, init] = withoutCredentials(url);
      const response = await fetch(href, { ...init, signal, redirect: 'follow' });
      if (!response.ok || response.body === null)
        throw new JobFailure(`HTTP ${response.status} ${response.statusText}`);
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(declared)) budget.check(what, declared);
      // Streamed to the file: a large download never sits in memory.
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        budget.meter(what),
        target(),
        { signal },
      );
    } catch (error) {
      if (aborted.aborted) throw aborted.reason as JobFailure;
      if (error instanceof JobFailure)
        throw error.message.startsWith(what) ? error : new JobFailure(`${what}: ${error.message}`);
      throw new JobFailure(
        `${what}: ${redactUrls(((error as Error).cause as Error | undefined)?.message ?? (error as NodeJS.ErrnoException).code ?? (error as Error).message)}`,
      );
    }
  }
}
