// One event per line: JSON for machines, a short human line on a terminal.
// Secrets never reach it: events carry names, pids and exit statuses, not env.
//
// Lines are written a few milliseconds after they are logged: log() keeps
// the event, its time and a copy of its fields, and what was logged
// meanwhile goes out in one write. The supervisor logs a restart (exit,
// restart) just before it asks for the next run: formatting and writing
// those lines then come after that start, not before it. The timer keeps
// the process alive until the lines are out (5 ms at most). flush() writes
// at once what is kept: call it before process.exit(). daemonMain does, on
// every way out, and before it tells a waiting parent how the start went.
// Lines are lost only with a process ended by a signal it does not handle
// (SIGKILL, a crash in native code), and then only the last few ms'.
import type { Writable } from 'node:stream';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

/** How long a line may wait for others to share its write. */
const FLUSH_DELAY_MS = 5;

interface Entry {
  at: number;
  level: Level;
  event: string;
  fields: Fields;
}

export class Logger {
  private kept: Entry[] = [];
  private scheduled = false;

  constructor(
    private readonly out: Writable,
    private readonly format: 'human' | 'json',
    private readonly verbose: boolean,
  ) {}

  log(level: Level, event: string, fields: Fields = {}): void {
    if (level === 'debug' && !this.verbose) return;
    this.kept.push({ at: Date.now(), level, event, fields: { ...fields } });
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes the lines kept so far. */
  flush(): void {
    this.scheduled = false;
    if (this.kept.length === 0) return;
    const entries = this.kept;
    this.kept = [];
    let text = '';
    for (const entry of entries) text += this.line(entry);
    this.out.write(text);
  }

  private line({ at, level, event, fields }: Entry): string {
    const time = new Date(at).toISOString();
    if (this.format === 'json') return `${JSON.stringify({ time, level, event, ...fields })}\n`;
    const details = Object.entries(fields)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${event}${details ? ` ${details}` : ''}\n`;
  }

  debug = (event: string, fields?: Fields) => this.log('debug', event, fields);
  info = (event: string, fields?: Fields) => this.log('info', event, fields);
  warn = (event: string, fields?: Fields) => this.log('warn', event, fields);
  error = (event: string, fields?: Fields) => this.log('error', event, fields);
}
