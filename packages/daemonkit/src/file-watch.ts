// Never miss an edit: watch the file's directory (an editor's or a
// client's atomic rename replaces the inode, which a watch on the file
// itself would lose), and also compare the file's identity on a timer in
// case an event is dropped. The callback decides by content.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export class FileWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Cancels the pending fire(), if one is pending. */
  private cancel: () => void = () => undefined;
  private identity = '';

  constructor(
    private readonly file: string,
    private readonly onChange: () => void,
    private readonly intervalMs = 1_000,
  ) {}

  private stamp(): string {
    try {
      const stat = statSync(this.file, { throwIfNoEntry: false });
      return stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}` : 'missing';
    } catch (error) {
      return `error:${(error as NodeJS.ErrnoException).code}`; // e.g. EACCES: the reload reports it
    }
  }

  start(): void {
    this.identity = this.stamp();
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (event, changed) => {
      if (changed !== null && changed !== name) return;
      this.cancel();
      // Coalesce the bursts an editor makes (truncate, write, chmod); a file
      // renamed into place is whole already, so that is read at once.
      if (event === 'rename') {
        const immediate = setImmediate(() => this.fire());
        this.cancel = () => clearImmediate(immediate);
      } else {
        const timeout = setTimeout(() => this.fire(), 20);
        this.cancel = () => clearTimeout(timeout);
      }
    });
    this.watcher.on('error', () => undefined); // the timer still checks
    this.timer = setInterval(() => {
      if (this.stamp() !== this.identity) this.fire();
    }, this.intervalMs);
  }

  private fire(): void {
    this.identity = this.stamp();
    this.onChange();
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    this.cancel();
  }
}
