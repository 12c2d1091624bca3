// The supervisor's memory across its own restarts: for each live process,
// its pid, /proc start time, a digest of its spec, how to stop it, and how
// its run before this one ended (so status shows it after an adoption).
//
// A journal, records.jsonl: one line per change ({name, record}, or record
// null once the process is gone), appended with one write() to a file kept
// open, so a change costs one small write and no file is created or renamed
// on the restart path (200 starts at once are one write, not 200 files).
// The last line for a name wins. At start-up, and whenever the journal has
// grown to several times the live records, it is rewritten as a snapshot
// (temp file, then rename), which also drops a line torn by a crash.
// Writes are deferred to the end of the current turn of the event loop, off
// the restart path.
import { closeSync, constants, fchmodSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError } from '../errors.js';
import { writeFileAtomic } from '../os/atomic-file.js';
import { closeQuietly } from '../os/launch.js';
import { exitWords, type ExitStatus } from '../events.js';
import type { StopFields } from './record-spec.js';

export interface ProcRecord {
  pid: number;
  startTime: string;
  startedAt: number;
  restarts: number;
  /** sha256 of the spec it runs (canonical JSON). */
  digest: string;
  /** What stopping it needs; the rest of the spec (env above all) is not kept. */
  stop: StopFields;
  /**
   * How its previous run ended (status()'s lastExit), kept for the next supervisor; absent from a record an earlier
   * version wrote, read as null.
   */
  lastExit?: ExitStatus | null;
}

/**
 * A stored lastExit as status() shows it: null unless it has the shape of one (a field an older record lacks is filled
 * in).
 */
export function storedExit(value: unknown): ExitStatus | null {
  const exit = value as Partial<ExitStatus> | null | undefined;
  if (!exit || typeof exit !== 'object' || typeof exit.at !== 'number') return null;
  const code = typeof exit.code === 'number' ? exit.code : null;
  const signal = typeof exit.signal === 'string' ? exit.signal : null;
  return {
    code,
    signal,
    timedOut: exit.timedOut === true,
    at: exit.at,
    reason: typeof exit.reason === 'string' ? exit.reason : (exitWords(code, signal) ?? 'ended'),
    tail: Array.isArray(exit.tail) ? exit.tail.filter((line): line is string => typeof line === 'string') : [],
  };
}

const VERSION = 3;
/** Version 2 kept one file per process under procs/; read once, then folded into the journal. */
const V2_VERSION = 2;
const JOURNAL = 'records.jsonl';
// The journal is compacted when it holds this many times the live records (and at least MIN_COMPACT lines).
const COMPACT_FACTOR = 4;
const MIN_COMPACT = 256;

const line = (name: string, record: ProcRecord | null) => `${JSON.stringify({ version: VERSION, name, record })}\n`;

export class StateStore {
  private readonly journal: string;
  private readonly records = new Map<string, ProcRecord>();
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private fd: number | null = null;
  private lines = 0;
  /** The version-2 directory read at start, removed once the journal holds its records. */
  private leftovers: string | null = null;

  constructor(
    readonly dir: string,
    private readonly onError: (error: SupervisorError) => void,
  ) {
    this.journal = join(dir, JOURNAL);
    // The directory exists: the Supervisor's lock (lockStateDir) made it.
    try {
      this.load();
      this.compact();
    } catch (error) {
      if (this.fd !== null) closeQuietly(this.fd);
      if (error instanceof SupervisorError) throw error;
      throw new SupervisorError(
        'DPD_STATE_DIR',
        `cannot open the state directory ${dir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (this.leftovers) {
      try {
        rmSync(this.leftovers, { recursive: true, force: true });
      } catch {
        // harmless: ignored while the journal exists
      }
    }
  }

  private load(): void {
    const journal = readText(this.journal);
    if (journal === undefined) this.loadV2();
    for (const text of (journal ?? '').split('\n')) this.take(text, VERSION);
  }

  /**
   * An earlier version's files, read only while there is no journal: once
   * the journal exists they are leftovers (their removal failed), never
   * records, so a stale one cannot come back.
   */
  private loadV2(): void {
    const v2 = join(this.dir, 'procs');
    let files: string[];
    try {
      files = readdirSync(v2);
    } catch {
      return; // none: a new state directory
    }
    for (const file of files) {
      if (!file.endsWith('.json')) continue;
      try {
        this.take(readText(join(v2, file)), V2_VERSION);
      } catch {
        // an unreadable old record only costs adoption of that process
      }
    }
    this.leftovers = v2;
  }

  /** One record line (or v2 file); a damaged one (a line torn by a crash) only costs adoption of that process. */
  private take(text: string | undefined, version: number): void {
    if (!text) return;
    try {
      const entry = JSON.parse(text);
      if (entry?.version !== version || typeof entry.name !== 'string') return;
      if (entry.record) this.records.set(entry.name, { ...entry.record, lastExit: storedExit(entry.record.lastExit) });
      else this.records.delete(entry.name);
    } catch {
      // not a record
    }
  }

  /** Rewrites the journal as one line per live record, and reopens it for appending. */
  private compact(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    writeFileAtomic(this.journal, [...this.records].map(([name, record]) => line(name, record)).join(''), {
      mode: 0o600,
    });
    // libuv adds O_CLOEXEC
    this.fd = openSync(this.journal, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
    fchmodSync(this.fd, 0o600);
    this.lines = this.records.size;
  }

  /** The records found at start-up and kept since. */
  entries(): [string, ProcRecord][] {
    return [...this.records];
  }

  get(name: string): ProcRecord | undefined {
    return this.records.get(name);
  }

  set(name: string, record: ProcRecord): void {
    this.records.set(name, record);
    this.touch(name);
  }

  delete(name: string): void {
    if (this.records.delete(name)) this.touch(name);
  }

  private touch(name: string): void {
    this.dirty.add(name);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes every pending change now (also what close() calls). */
  flush(): void {
    this.scheduled = false;
    if (this.dirty.size === 0) return;
    const names = [...this.dirty];
    this.dirty.clear();
    try {
      if (this.fd === null || this.lines + names.length > Math.max(MIN_COMPACT, COMPACT_FACTOR * this.records.size))
        return this.compact();
      const text = Buffer.from(names.map((name) => line(name, this.records.get(name) ?? null)).join(''));
      // A short write (a full disk) would leave a torn line that the next append glues onto.
      if (writeSync(this.fd, text) !== text.length) throw new Error(`short write (${text.length} bytes asked)`);
      this.lines += names.length;
    } catch (error) {
      // Written in full by the next compaction (a later change, or the next start).
      if (this.fd !== null) closeQuietly(this.fd);
      this.fd = null;
      this.onError(
        new SupervisorError(
          'DPD_STATE_DIR',
          `cannot write the records of ${names.join(', ')} in ${this.journal}: ${(error as Error).message}`,
          { cause: error },
        ),
      );
    }
  }

  /** Flushes and closes the journal. */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A file's text; undefined when it does not exist (any other error is thrown: records must not be overwritten unread).
 */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
