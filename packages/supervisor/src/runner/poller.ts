// Processes that are not our children (adopted after a restart, forking
// daemons) send no SIGCHLD: one timer checks them all through /proc, and
// tells a reused pid apart by its start time.
import { isAlive } from '../os/proc-stat.js';

interface Watch {
  pid: number;
  startTime: string;
  onExit: () => void;
}

export class Poller {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  /** Calls `onExit` once when `pid` (started at `startTime`) is gone. Returns the cancel function. */
  watch(pid: number, startTime: string, onExit: () => void): () => void {
    const entry = { pid, startTime, onExit };
    this.watches.add(entry);
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    return () => this.unwatch(entry);
  }

  private unwatch(entry: Watch): void {
    this.watches.delete(entry);
    if (this.watches.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Checks every watched pid now. */
  tick(): void {
    for (const entry of [...this.watches]) {
      if (isAlive(entry.pid, entry.startTime)) continue;
      this.unwatch(entry);
      entry.onExit();
    }
  }

  close(): void {
    for (const entry of [...this.watches]) this.unwatch(entry);
  }
}
