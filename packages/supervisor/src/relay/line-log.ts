// Appending lines to a log file: optional UTC timestamps and prefix,
// rotation by size or age keeping a number of files, fsync per line if
// asked, reopen (after an outside logrotate). Shared by the supervisor's
// log relay and dpd-log. The file's directory is opened once, by a walk
// that follows no symlink (safe-path.ts); every open, rename and unlink
// after that is relative to it, so a user who swaps a directory on the way
// for a symlink cannot make a root relay write, rename or delete elsewhere.
import { closeSync, fstatSync, fsyncSync, lstatSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { openLogIn } from '../os/log-file.js';
import { inDir, openDirSafely, trustedFor, type Trusted } from '../os/safe-path.js';

const NEWLINE = Buffer.from('\n');
// Rotated names sort by time; within one millisecond, by their -n suffix.
const byAge = (a: string, b: string) =>
  a.replace(/(-\d+)?\.log$/, '').localeCompare(b.replace(/(-\d+)?\.log$/, '')) ||
  Number(/-(\d+)\.log$/.exec(a)?.[1] ?? 0) - Number(/-(\d+)\.log$/.exec(b)?.[1] ?? 0);

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
}

export class LineLog {
  private fd = 1;
  private dirFd = -1;
  private readonly trusted: Trusted;
  private size = 0;
  private openedAt = Date.now();
  // Without sync, lines wait here until flush() (the end of an input chunk): one write for many lines.
  private pending: Buffer[] = [];

  constructor(private readonly options: LineLogOptions) {
    this.trusted = trustedFor(options.ownerUid);
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
      writeSync(this.fd, bytes);
      fsyncSync(this.fd);
    } else {
      this.pending.push(bytes);
    }
    if (this.options.maxSize !== undefined && this.size >= this.options.maxSize) this.rotate();
  }

  /** Writes the lines waiting since the last flush (call at the end of each input chunk). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    writeSync(this.fd, batch);
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
