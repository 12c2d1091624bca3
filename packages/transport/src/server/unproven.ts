// Messages that prove nothing (a name no key is bound to, a box that does
// not open) are counted, never stored: the count is all that grows, and the
// `unproven` event that tells of them fires at most once per window.
export type UnprovenReason = 'unknown-node' | 'not-proven';

/** What the server counted since it started. */
export interface TransportCounters {
  /** Messages from nodes that were proven and taken. */
  accepted: number;
  /** Messages dropped as malformed (not JSON of the protocol, another version, a wrong shape). */
  malformed: number;
  /** Messages for a name that is neither bound to a key nor (in plaintext) given a list. */
  unknownNode: number;
  /** Messages whose box did not open with the named node's key (or that came in the clear where a box was due). */
  notProven: number;
}

export interface UnprovenReport {
  /** How many unproven messages arrived since the last report. */
  count: number;
  /** The first of them, for the log: its reason and the name it claimed (cut to 64 characters). */
  first: { reason: UnprovenReason; node: string };
}

export class UnprovenCounter {
  readonly counters: TransportCounters = { accepted: 0, malformed: 0, unknownNode: 0, notProven: 0 };
  private pending: UnprovenReport | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastReport = -Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    private readonly onReport: (report: UnprovenReport) => void,
  ) {}

  /** Counts one unproven message; reports at once if the window since the last report has passed, else at its end. */
  count(reason: UnprovenReason, node: unknown): void {
    if (reason === 'unknown-node') this.counters.unknownNode++;
    else this.counters.notProven++;
    if (this.pending) {
      this.pending.count++;
      return;
    }
    this.pending = { count: 1, first: { reason, node: String(node).slice(0, 64) } };
    const wait = this.lastReport + this.windowMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    const report = this.pending;
    this.pending = null;
    this.timer = undefined;
    if (!report) return;
    this.lastReport = this.now();
    this.onReport(report);
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
