// The supervisor's memory across its own restarts: for each live process,
// its pid, /proc start time, a digest of its spec and how to stop it. One small
// file per process (procs/<name>.json), replaced atomically, so a change
// costs one small write however many processes there are. Writes are
// deferred to the end of the current turn of the event loop, off the
// restart path.
import { mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SupervisorError } from '../errors.js';
import { writeFileAtomic } from '../os/atomic-file.js';
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
}

const VERSION = 2;

export class StateStore {
  private readonly procsDir: string;
  private readonly records = new Map<string, ProcRecord>();
  private readonly dirty = new Set<string>();
  private scheduled = false;

  constructor(
    readonly dir: string,
    private readonly onError: (error: SupervisorError) => void,
  ) {
    this.procsDir = join(dir, 'procs');
    try {
      mkdirSync(this.procsDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new SupervisorError('DPD_STATE_DIR', `cannot create state directory ${dir}: ${(error as Error).message}`, { cause: error });
    }
    this.load();
  }

  private file(name: string): string {
    return join(this.procsDir, `${encodeURIComponent(name)}.json`);
  }

  private load(): void {
    for (const entry of readdirSync(this.procsDir)) {
      if (!entry.endsWith('.json')) continue;
      try {
        const { version, name, record } = JSON.parse(readFileSync(join(this.procsDir, entry), 'utf8'));
        if (version === VERSION && typeof name === 'string') this.records.set(name, record);
      } catch {
        // A damaged record only costs adoption: that process is started afresh.
      }
    }
  }

  /** The records found at start-up and kept since. */
  entries(): [string, ProcRecord][] {
    return [...this.records];
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
    for (const name of this.dirty) {
      const record = this.records.get(name);
      try {
        if (record) writeFileAtomic(this.file(name), JSON.stringify({ version: VERSION, name, record }), { mode: 0o600 });
        else unlinkSync(this.file(name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !record) continue;
        this.onError(new SupervisorError('DPD_STATE_DIR', `cannot write the record of ${name} in ${this.procsDir}: ${(error as Error).message}`, { cause: error }));
      }
    }
    this.dirty.clear();
  }
}
