// Appending lines to a log file: optional UTC timestamps and prefix,
// rotation by size or age keeping a number of files, fsync per line if
// asked, reopen (after an outside logrotate). Shared by the supervisor's
// log relay and dpd-log. The file's directory is opened once, by a walk
// that follows no symlink (safe-path.ts); every open, rename and unlink
// after that is relative to it, so a user who swaps a directory on the way
// for a symlink cannot make a root relay write, rename or delete elsewhere.
// A write that fails (a full disk) drops its lines: they are counted, and
// `onDrops` is told once when writes begin to fail and once when they
// succeed again, with the count.
import { closeSync, fstatSync, fsyncSync, lstatSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { openLogIn } from '../os/log-file.js';
import { inDir, openDirSafely, trustedFor, type Trusted } from '../os/safe-path.js';

const NEWLINE = Buffer.from('\n');
// Rotated names sort by time; within one millisecond, by their -n suffix.
const byAge = (a: string, b: string) =>
  a.replace(/(-\d+)?\.log$/, '').localeCompare(b.replace(/(-\d+)?\.log$/, '')) ||
  Number(/-(\d+)\.log$/.exec(a)?.[1] ?? 0) - Number(/-(\d+)\.log$/.exec(b)?.[1] ?? 0);

/** What `onDrops` is told: writes began to fail, or succeed again. */
export interface DropReport {
  /** false: writes began to fail (`lines`: dropped by the first failure); true: they succeed again. */
  recovered: boolean;
  /** Lines dropped: by the first failure, or (recovered) by all of them since. */
  lines: number;
  /** The OS's code for the first failure: ENOSPC, EDQUOT, EIO… */
  code: string;
}

/** Writes from `buffer` at `offset` to `fd`; returns the bytes written (fs.writeSync's contract). */
export type Writer = (fd: number, buffer: Buffer, offset: number) => number;

const writeFrom: Writer = (fd, buffer, offset) => writeSync(fd, buffer, offset);

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
  /**
   * The directory of `file`, already opened safely by whoever started us (the log relay's fd 3); else it is opened
   * here.
   */
  dirFd?: number;
  /**
   * The uid of the program whose output this is: it, root and this process may own the file and the directories on the
   * way. Default: this process's.
   */
  ownerUid?: number;
  /** Told once when writes begin to fail (lines are dropped from then on) and once when they succeed again. */
  onDrops?: (report: DropReport) => void;
  /** Writes to the file (tests inject failures). Default fs.writeSync. */
  writer?: Writer;
}

export class LineLog {
  private fd = 1;
  private dirFd = -1;
  private readonly trusted: Trusted;
  private size = 0;
  private openedAt = Date.now();
  // Without sync, lines wait here until flush() (the end of an input chunk): one write for many lines.
  private pending: Buffer[] = [];
  /** While writes fail: lines dropped so far, and the first failure's code. */
  private dropping: { lines: number; code: string } | null = null;
  /** A failed write cut a line short: the next write ends it first. */
  private torn = false;
  private readonly writer: Writer;

  constructor(private readonly options: LineLogOptions) {
    this.trusted = trustedFor(options.ownerUid);
    this.writer = options.writer ?? writeFrom;
    if (options.file !== undefined)
      this.dirFd = options.dirFd ?? openDirSafely(dirname(options.file), this.trusted, true);
    this.open();
  }

  /** A name in the log's directory, as a path (relative to the directory's descriptor). */
  private at(name: string): string {
    return inDir(this.dirFd, name);
  }

  private open(): void {
    const file = this.options.file;
    if (file === undefined) return;
    this.fd = openLogIn(this.dirFd, dirname(file), basename(file), this.trusted);
    const stat = fstatSync(this.fd);
    this.size = stat.size;
    // The file's age, not this program's: a restarted writer keeps rotating on time.
    this.openedAt = stat.size > 0 ? stat.birthtimeMs || stat.mtimeMs : Date.now();
  }

  /** Writes one line (without its newline). Throws on a write error. */
  write(line: Buffer | string): void {
    if (this.options.skipEmpty && line.length === 0) return;
    if (this.options.maxAgeMs !== undefined && this.size > 0 && Date.now() - this.openedAt >= this.options.maxAgeMs)
      this.rotate();
    const stamp = this.options.timestamps ? `${new Date().toISOString()} ` : '';
    const head = stamp || this.options.prefix ? [Buffer.from(`${stamp}${this.options.prefix ?? ''}`)] : [];
    const bytes = Buffer.concat([...head, typeof line === 'string' ? Buffer.from(line) : line, NEWLINE]);
    this.size += bytes.length;
    if (this.options.sync && this.options.file !== undefined) {
      this.put([bytes]);
      fsyncSync(this.fd);
    } else {
      this.pending.push(bytes);
    }
    if (this.options.maxSize !== undefined && this.size >= this.options.maxSize) this.rotate();
  }

  /** Writes the lines waiting since the last flush (call at the end of each input chunk). Throws on a write error. */
  flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.put(lines);
  }

  /** Lines dropped since writes began to fail; 0 while they succeed. */
  get dropped(): number {
    return this.dropping?.lines ?? 0;
  }

  /**
   * Writes `lines` (each with its newline) in one go. On a failure, the lines not wholly written are dropped and
   * counted, and the error is thrown; the first success after failures reports the count.
   */
  private put(lines: Buffer[]): void {
    const batch = lines.length === 1 ? lines[0]! : Buffer.concat(lines);
    let written = 0;
    try {
      if (this.torn) {
        this.writeSome(NEWLINE, 0);
        this.torn = false;
      }
      while (written < batch.length) written += this.writeSome(batch, written);
    } catch (error) {
      // Lines wholly written stay (one that lacks only its newline too: the next write ends it); the rest are dropped.
      let kept = 0;
      let end = 0;
      for (const line of lines) {
        if (end + line.length - 1 > written) break;
        end += line.length;
        kept += 1;
      }
      this.torn = written !== end;
      this.drop(lines.length - kept, (error as NodeJS.ErrnoException).code ?? 'EIO');
      throw error;
    }
    if (this.dropping) {
      const { lines: dropped, code } = this.dropping;
      this.dropping = null;
      this.options.onDrops?.({ recovered: true, lines: dropped, code });
    }
  }

  /** One write of `buffer` from `offset`; returns the bytes written, at least one. */
  private writeSome(buffer: Buffer, offset: number): number {
    const wrote = this.writer(this.fd, buffer, offset);
    if (wrote <= 0) throw Object.assign(new Error('a write wrote nothing'), { code: 'EIO' });
    return wrote;
  }

  private drop(lines: number, code: string): void {
    if (this.dropping) {
      this.dropping.lines += lines;
      return;
    }
    this.dropping = { lines, code };
    this.options.onDrops?.({ recovered: false, lines, code });
  }

  /** Closes and opens the file again (it may have been moved away). */
  reopen(): void {
    if (this.options.file === undefined) return;
    this.flush();
    try {
      closeSync(this.fd);
    } catch {
      // already closed by a failed rotation or open
    }
    this.open();
  }

  close(): void {
    this.flush();
    if (this.options.file === undefined) return;
    closeSync(this.fd);
    closeSync(this.dirFd);
  }

  private rotate(): void {
    const file = this.options.file;
    if (file === undefined) return;
    const keep = this.options.keep ?? 5;
    this.flush(); // what is waiting belongs to the file being rotated
    closeSync(this.fd);
    this.fd = -1; // until open() succeeds: a write fails (and is counted) rather than reach a reused descriptor
    const name = basename(file);
    if (this.options.naming === 'timestamped') {
      const stamp = new Date().toISOString().replaceAll(':', '-');
      // Never over an existing file: two rotations in one millisecond get -1, -2, …
      let target = `${stamp}.log`;
      for (let n = 1; lstatSync(this.at(target), { throwIfNoEntry: false }); n++) target = `${stamp}-${n}.log`;
      renameSync(this.at(name), this.at(target));
      const rotated = readdirSync(this.at(''))
        .filter((entry) => /^\d{4}-\d\d-\d\dT.*Z(-\d+)?\.log$/.test(entry) && entry !== name)
        .sort(byAge);
      for (const old of rotated.slice(0, Math.max(0, rotated.length - keep))) unlinkSync(this.at(old));
    } else if (keep === 0) {
      unlinkSync(this.at(name));
    } else {
      const numbered = (n: number) => this.at(n === 0 ? name : `${name}.${n}`);
      for (let n = keep - 1; n >= 0; n--) {
        try {
          renameSync(numbered(n), numbered(n + 1)); // name.keep is replaced: the oldest goes
        } catch {
          // not there
        }
      }
    }
    this.open();
  }
}
