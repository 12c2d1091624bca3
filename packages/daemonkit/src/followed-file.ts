// A daemon's one file, followed: watched (FileWatch), re-read on request,
// checked, and handed on only when its text changed and it is valid. An
// unreadable or invalid file is logged with its issues and the last good
// value stays in force. Reloads run one at a time, in order.
import { readFileSync, statSync } from 'node:fs';
import type { Loaded } from './daemon-main.js';
import { FileWatch } from './file-watch.js';
import type { Fields, Logger } from './logger.js';

/** What one reload found. */
export interface ReloadOutcome {
  changed: boolean;
  valid: boolean;
  /** The issues (or warnings, when valid) as "file: path: reason" lines. */
  issues: string[];
}

export class FollowedFile<F> {
  private readonly watch: FileWatch;
  private text: string;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The issues of the file on disk while it is invalid or unreadable (the last good value is in force), else null. */
  issues: string[] | null = null;

  /**
   * @param text the text `value` was loaded from
   * @param apply takes a new valid value; returns fields for the `file.reload` log line
   */
  constructor(
    readonly file: string,
    text: string,
    private readonly load: (file: string, text: string) => Loaded<F>,
    private readonly log: Logger,
    private readonly apply: (value: F, warnings: string[]) => Promise<Fields | void>,
  ) {
    this.text = text;
    this.watch = new FileWatch(file, () => void this.reloadLogged('watch'));
  }

  /** Starts watching; an edit made before this call is picked up too. */
  start(): void {
    this.watch.start();
    void this.reloadLogged('watch');
  }

  /**
   * Re-reads now. Rejects when applying a valid file failed (the file counts as not applied: the next reload tries
   * again).
   */
  reload(reason: string): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.reloadNow(reason));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A reload nobody awaits (the watch, a signal): a failure is logged, never an unhandled rejection. */
  reloadLogged(reason: string): Promise<ReloadOutcome | undefined> {
    return this.reload(reason).catch((error: Error & { code?: string }) => {
      this.log.error('file.apply-failed', {
        file: this.file,
        reason,
        code: error.code,
        message: error.message,
        note: 'the next reload tries again',
      });
      return undefined;
    });
  }

  private async reloadNow(reason: string): Promise<ReloadOutcome> {
    if (this.closed) return { changed: false, valid: true, issues: [] };
    let text: string;
    try {
      // Read at once: a config file is small, and the thread pool's round
      // trips would cost more than the read (an edit's latency counts).
      // Only a regular file: a FIFO would block the event loop.
      if (!statSync(this.file).isFile()) throw new Error('not a regular file');
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      const issue = `${this.file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
      this.issues = [issue];
      this.log.warn('file.unreadable', { file: this.file, reason: issue, keeping: 'the last good state' });
      return { changed: false, valid: false, issues: [issue] };
    }
    if (text === this.text) {
      // Back to what is in force: after a broken or unreadable file, say so
      // at the level the problem was said.
      if (this.issues)
        this.log.info('file.restored', { file: this.file, reason, note: 'the file is the last good one again' });
      else this.log.debug('file.unchanged', { file: this.file, reason });
      this.issues = null;
      return { changed: false, valid: true, issues: [] };
    }
    const loaded = this.load(this.file, text);
    if (!loaded.ok) {
      this.issues = loaded.issues;
      this.log.error('file.invalid', { file: this.file, issues: loaded.issues, keeping: 'the last good state' });
      return { changed: false, valid: false, issues: loaded.issues };
    }
    this.issues = null;
    for (const warning of loaded.warnings) this.log.warn('file.warning', { issue: warning });
    const fields = await this.apply(loaded.value, loaded.warnings);
    this.text = text; // only once applied: a failed apply is tried again

    this.log.info('file.reload', { file: this.file, reason, ...fields });
    return { changed: true, valid: true, issues: loaded.warnings };
  }

  /** Stops watching and waits for a reload under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.watch.close();
    await this.queue;
  }
}
