// The relay's side of a run's tail (log-output.ts asks, os/log-tail.ts
// says which lines count): the last lines it took in, kept by reference
// with the time their chunk came, and a question the supervisor writes into
// the relay's input after a run ended. Everything the run wrote comes before
// the question in the stream, so the answer holds all of it, however late
// the relay reads.
import { lastLines, TAIL_LINES, TAIL_WINDOW_MS } from '../os/log-tail.js';

/** The question: this, a nonce of 16 hex digits, then a newline. It may end a line the program left unfinished. */
export const TAIL_QUESTION = '\0dpd-tail:';
const QUESTION = Buffer.from(TAIL_QUESTION);
const NONCE = 16;

/** The answer, one JSON line on the relay's stdout. */
export interface TailAnswer {
  nonce: string;
  lines: string[];
}

export class TailRing {
  private readonly lines: (Buffer | undefined)[] = new Array(TAIL_LINES);
  private readonly times: number[] = new Array(TAIL_LINES).fill(0);
  private next = 0;

  /** A line the relay took in at `at`; a question is answered (and the lines forgotten) instead of kept. */
  take(line: Buffer, at: number, answer: (reply: TailAnswer) => void): Buffer | null {
    const start = line.length - QUESTION.length - NONCE;
    if (start < 0 || line[start] !== 0 || !line.subarray(start, start + QUESTION.length).equals(QUESTION)) {
      this.keep(line, at);
      return line;
    }
    const before = line.subarray(0, start);
    if (before.length > 0) this.keep(before, at);
    answer({ nonce: line.subarray(start + QUESTION.length).toString('latin1'), lines: this.drain(at) });
    return before.length > 0 ? before : null;
  }

  private keep(line: Buffer, at: number): void {
    this.lines[this.next] = line;
    this.times[this.next] = at;
    this.next = (this.next + 1) % TAIL_LINES;
  }

  /** The lines kept from the last TAIL_WINDOW_MS, oldest first; then none are kept. */
  private drain(now: number): string[] {
    const kept: string[] = [];
    for (let i = 0; i < TAIL_LINES; i++) {
      const slot = (this.next + i) % TAIL_LINES;
      const line = this.lines[slot];
      if (line !== undefined && this.times[slot]! >= now - TAIL_WINDOW_MS) kept.push(line.toString('utf8'));
      this.lines[slot] = undefined;
    }
    return lastLines(kept, now);
  }
}
