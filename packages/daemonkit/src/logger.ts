// One event per line: JSON for machines, a short human line on a terminal.
// Secrets never reach it: events carry names, pids and exit statuses, not env.
import type { Writable } from 'node:stream';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

export class Logger {
  constructor(
    private readonly out: Writable,
    private readonly format: 'human' | 'json',
    private readonly verbose: boolean,
  ) {}

  log(level: Level, event: string, fields: Fields = {}): void {
    if (level === 'debug' && !this.verbose) return;
    const time = new Date().toISOString();
    if (this.format === 'json') {
      this.out.write(`${JSON.stringify({ time, level, event, ...fields })}\n`);
      return;
    }
    const details = Object.entries(fields)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    this.out.write(`${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${event}${details ? ` ${details}` : ''}\n`);
  }

  debug = (event: string, fields?: Fields) => this.log('debug', event, fields);
  info = (event: string, fields?: Fields) => this.log('info', event, fields);
  warn = (event: string, fields?: Fields) => this.log('warn', event, fields);
  error = (event: string, fields?: Fields) => this.log('error', event, fields);
}
