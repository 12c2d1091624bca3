// Appending lines to a log file: optional UTC timestamps and prefix,
// rotation by size or age keeping a number of files, fsync per line if
// asked, reopen (after an outside logrotate). Shared by the supervisor's
// log relay and dpd-log.
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface LineLogOptions {
  /** The file appended to; absent: standard output (no rotation). */
  file?: string;
  /** Rotated files: `numbered` file.1 (newest) … file.N, or `timestamped` <dir>/<UTC time>.log beside it. */
  naming?: 'numbered' | 'timestamped';
  timestamps?: boolean;
  prefix?: string;
  skipEmpty?: boolean;
  /** fsync after each line. */
  sync?: boolean;
  /** Rotate when the file reaches this many bytes. */
  maxSize?: number;
  /** Rotate when the file is this old (ms since it was started). */
  maxAgeMs?: number;
  /** Rotated files kept. Default 5. */
  keep?: number;
}

export class LineLog {
  private fd = 1;
  private size = 0;
  private openedAt = Date.now();

  constructor(private readonly options: LineLogOptions) {
    this.open();
  }

  private open(): void {
    const file = this.options.file;
    if (file === undefined) return;
    const existed = statSync(file, { throwIfNoEntry: false }) !== undefined;
    this.fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
    if (!existed) fchmodSync(this.fd, 0o640);
    this.size = fstatSync(this.fd).size;
    this.openedAt = Date.now();
  }

  /** Writes one line (without its newline). */
  write(line: string): void {
    if (this.options.skipEmpty && line === '') return;
    if (this.options.maxAgeMs !== undefined && this.size > 0 && Date.now() - this.openedAt >= this.options.maxAgeMs) this.rotate();
    const stamp = this.options.timestamps ? `${new Date().toISOString()} ` : '';
    const bytes = Buffer.from(`${stamp}${this.options.prefix ?? ''}${line}\n`);
    writeSync(this.fd, bytes);
    if (this.options.sync && this.options.file !== undefined) fsyncSync(this.fd);
    this.size += bytes.length;
    if (this.options.maxSize !== undefined && this.size >= this.options.maxSize) this.rotate();
  }

  /** Closes and opens the file again (it may have been moved away). */
  reopen(): void {
    if (this.options.file === undefined) return;
    closeSync(this.fd);
    this.open();
  }

  close(): void {
    if (this.options.file !== undefined) closeSync(this.fd);
  }

  private rotate(): void {
    const file = this.options.file;
    if (file === undefined) return;
    const keep = this.options.keep ?? 5;
    closeSync(this.fd);
    if (this.options.naming === 'timestamped') {
      const dir = dirname(file);
      renameSync(file, join(dir, `${new Date().toISOString().replaceAll(':', '-')}.log`));
      const rotated = readdirSync(dir).filter((name) => /^\d{4}-\d\d-\d\dT.*Z\.log$/.test(name) && name !== basename(file)).sort();
      for (const old of rotated.slice(0, Math.max(0, rotated.length - keep))) unlinkSync(join(dir, old));
    } else {
      const name = (n: number) => (n === 0 ? file : `${file}.${n}`);
      try {
        unlinkSync(name(keep));
      } catch {
        // not there
      }
      for (let n = keep - 1; n >= 0; n--) {
        try {
          renameSync(name(n), name(n + 1));
        } catch {
          // not there
        }
      }
      if (keep === 0) unlinkSync(file);
    }
    this.open();
  }
}

/** Feeds a byte stream to `onLine` line by line; `end()` passes a last line that had no newline. */
export function splitLines(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let partial = '';
  return {
    push(chunk) {
      const text = partial + chunk.toString('utf8');
      const last = text.lastIndexOf('\n');
      partial = text.slice(last + 1);
      if (last < 0) return;
      for (const line of text.slice(0, last).split('\n')) onLine(line);
    },
    end() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
