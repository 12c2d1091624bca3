// What a dpd-ctl command is: one file under commands/ exports one of these,
// and main.ts builds the command table, the option table and --help from them.
import type { ParseArgsConfig } from 'node:util';

/** A line of --help: the command as typed, then what it does (a second line continues it). */
export type HelpRow = readonly [usage: string, ...about: string[]];

type Options = NonNullable<ParseArgsConfig['options']>;

interface Described {
  name: string;
  /** Rows of the command list in --help. */
  help: readonly HelpRow[];
  /** Lines of the "Usage:" synopsis at the top of --help, after `dpd-ctl `. */
  synopsis?: readonly string[];
  /** A paragraph of its own in --help, after the command list, opening with this text. */
  section?: string;
  /** The options only this command takes (parseArgs' form). */
  options?: Options;
}

/** A command sent to the local worker over its control socket. */
export interface WorkerCommand<V> extends Described {
  kind: 'worker';
  /** Whether it takes one process NAME (else none). */
  takesName: boolean;
  run(call: { socket: string; name: string | undefined; values: V }): Promise<number>;
  /** What it does instead when a master is named (--master, or DPD_MASTER with no local worker named). */
  onMaster?(master: string, values: V): Promise<number>;
}

/** A command through the master's HTTP API (`job`). */
export interface MasterCommand<V> extends Described {
  kind: 'master';
  run(values: V, args: string[]): Promise<number>;
}

/** A command that needs neither a worker nor a master (`keygen`). */
export interface LocalCommand<V> extends Described {
  kind: 'local';
  run(values: V, args: string[]): Promise<number>;
}

export type CtlCommand<V> = WorkerCommand<V> | MasterCommand<V> | LocalCommand<V>;

/** What to print for `value`: pretty JSON with --json, else `table()`; with a newline. */
export const printed = (json: boolean, value: unknown, table: () => string): string =>
  json ? `${JSON.stringify(value, null, 2)}\n` : `${table()}\n`;
