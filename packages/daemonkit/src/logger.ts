// One event per line: JSON for machines, a short human line on a terminal.
// Secrets never reach it: events carry names, pids and exit statuses, not env.
//
// A JSON line has pino's shape, so pino-pretty and log shippers read it
// as it is: {"level":30,"time":<epoch ms>,"pid":…,"hostname":…,<fields>,
// "msg":"proc.exit"}, keys in pino's order, levels as pino numbers them.
// The event's name is the message. Those five keys are the line's own: a
// field named like one (a supervised process's `pid`) is written as
// `eventPid` (`eventTime`, …) rather than twice or over the line's own.
// The human line names its fields as they were logged.
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
// (SIGKILL, a crash in native code), and then only the last few ms'. An
// event whose fields cannot be written as JSON (a BigInt, a cycle) is
// written as its name and why, alone: the lines kept with it still go out.
import { hostname } from 'node:os';
import type { Writable } from 'node:stream';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

/** What a line says of where and when it was logged; tests fix them. */
export interface LoggerOrigin {
  /** Epoch milliseconds (default `Date.now`). */
  now?: () => number;
  /** Default `process.pid`. */
  pid?: number;
  /** Default the machine's host name. */
  hostname?: string;
}

/** How long a line may wait for others to share its write. */
const FLUSH_DELAY_MS = 5;

/** pino's numbers for the levels (trace 10 and fatal 60 are not used). */
const LEVEL_NUMBERS: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** The line's own keys, and the name a field of the same name is written under. */
const RENAMED = new Map([
  ['level', 'eventLevel'],
  ['time', 'eventTime'],
  ['pid', 'eventPid'],
  ['hostname', 'eventHostname'],
  ['msg', 'eventMsg'],
]);

interface Entry {
  at: number;
  level: Level;
  event: string;
  fields: Fields;
}

export class Logger {
  private kept: Entry[] = [];
  private scheduled = false;
  private readonly now: () => number;
  /** `,"pid":…,"hostname":…`: the same on every line, so made once. */
  private readonly origin: string;

  constructor(
    private readonly out: Writable,
    private readonly format: 'human' | 'json',
    private readonly verbose: boolean,
    origin: LoggerOrigin = {},
  ) {
    this.now = origin.now ?? Date.now;
    this.origin = `,"pid":${origin.pid ?? process.pid},"hostname":${JSON.stringify(origin.hostname ?? hostname())}`;
  }

  log(level: Level, event: string, fields: Fields = {}): void {
    if (level === 'debug' && !this.verbose) return;
    this.kept.push({ at: this.now(), level, event, fields: { ...fields } });
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

  private line(entry: Entry): string {
    try {
      return this.format === 'json' ? this.json(entry) : human(entry);
    } catch (error) {
      const logError = `its fields cannot be written: ${(error as Error).message}`;
      const only = { ...entry, fields: { logError } };
      return this.format === 'json' ? this.json(only) : human(only);
    }
  }

  private json({ at, level, event, fields }: Entry): string {
    // `{"a":1}` becomes `,"a":1`; `{}` nothing.
    const body = JSON.stringify(clear(fields));
    // A field named toJSON makes the fields something other than an object.
    if (!body.startsWith('{')) throw new TypeError('a field named toJSON');
    const rest = body.length > 2 ? `,${body.slice(1, -1)}` : '';
    return `{"level":${LEVEL_NUMBERS[level]},"time":${at}${this.origin}${rest},"msg":${JSON.stringify(event)}}\n`;
  }

  debug = (event: string, fields?: Fields) => this.log('debug', event, fields);
  info = (event: string, fields?: Fields) => this.log('info', event, fields);
  warn = (event: string, fields?: Fields) => this.log('warn', event, fields);
  error = (event: string, fields?: Fields) => this.log('error', event, fields);
}

function human({ at, level, event, fields }: Entry): string {
  const details = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${new Date(at).toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${event}${details ? ` ${details}` : ''}\n`;
}

/**
 * The fields with any named like one of the line's own keys renamed, in their order. A renamed field never replaces
 * another: `eventPid` taken already, it is `eventPid_`. (A prototype-less copy keeps a field named `__proto__`.)
 */
function clear(fields: Fields): Fields {
  let clash = false;
  for (const key in fields) if (RENAMED.has(key)) clash = true;
  if (!clash) return fields;
  const renamed: Fields = Object.create(null);
  for (const key in fields) {
    let name = RENAMED.get(key) ?? key;
    while (name !== key && (Object.hasOwn(fields, name) || Object.hasOwn(renamed, name))) name += '_';
    renamed[name] = fields[key];
  }
  return renamed;
}
