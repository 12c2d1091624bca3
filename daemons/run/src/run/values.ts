// How dpd-run reads an option's value: each parser takes the option as the
// user wrote it (for the message) and the text, and returns the value or
// throws a UsageError saying what was expected.
import { parseDuration, RLIMIT_NAMES, type RlimitName } from '@diprocd/procspec';
import { UsageError } from '@diprocd/procspec/runtime';

export interface Identity {
  user: string | number;
  groups: (string | number)[];
}

// DMon's names for limits (its `-r help`), besides the prlimit names.
const RLIMIT_ALIASES: Record<string, RlimitName> = { vmem: 'as', files: 'nofile', msgq: 'msgqueue' };
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export const RLIMIT_HELP = `Limits for -r NAME=VALUE: ${[
  ...RLIMIT_NAMES,
  ...Object.keys(RLIMIT_ALIASES).map((a) => `${a} (= ${RLIMIT_ALIASES[a]})`),
].join(', ')}.
VALUE is a number, "unlimited", a size with k, m or g (as, data, fsize,
memlock, msgqueue, rss, stack), or a time with s, m, h, d or w (cpu, rttime).`;

/** The text as it is (a path, a name). */
export const text = (_option: string, value: string): string => value;

/** DMon's durations: seconds, or a number with s m h d w (or ms). */
export function duration(option: string, text: string): number {
  const ms = parseDuration(/^[0-9.]+$/.test(text) ? Number(text) : text);
  if (ms === undefined)
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a duration such as 30, 90s, 5m, 2h, 1d or 1w`);
  return ms;
}

/** A number at or above 0, such as a load. */
export function number(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a number, e.g. 4.0`);
  return value;
}

/** A whole number of respawns. */
export function count(option: string, text: string): number {
  if (!/^[0-9]+$/.test(text))
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a whole number of respawns`);
  return Number(text);
}

/** `loadavg1`, `psi-cpu`, or `file:PATH` (a number another tool writes there). */
export function loadSource(option: string, text: string): { source: 'loadavg1' | 'psi-cpu' } | { file: string } {
  if (text.startsWith('file:') && text.length > 'file:'.length) return { file: text.slice('file:'.length) };
  if (text === 'loadavg1' || text === 'psi-cpu') return { source: text };
  throw new UsageError(`${option} ${JSON.stringify(text)}: expected loadavg1, psi-cpu or file:PATH`);
}

/** `VAR=VALUE` sets VAR, `VAR` alone removes it (value null). */
export function environ(option: string, text: string): { name: string; value: string | null } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!/^[^=\0]+$/.test(name)) throw new UsageError(`${option} ${JSON.stringify(text)}: expected VAR or VAR=VALUE`);
  return { name, value: eq < 0 ? null : text.slice(eq + 1) };
}

/** `NAME=VALUE` with DMon's names and units, or `help` (the list of limits). */
export function rlimit(option: string, text: string): [RlimitName, number | 'unlimited'] | 'help' {
  if (text === 'help') return 'help';
  const match = /^([a-z]+)=(.+)$/.exec(text);
  if (!match)
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected NAME=VALUE, e.g. -r nofile=1024 (see -r help)`);
  const name = (RLIMIT_ALIASES[match[1]!] ?? match[1]) as RlimitName;
  if (!RLIMIT_NAMES.includes(name))
    throw new UsageError(`${option} ${JSON.stringify(text)}: unknown limit ${JSON.stringify(match[1])} (see -r help)`);
  const value = match[2]!;
  if (value === 'unlimited') return [name, 'unlimited'];
  const unit = /^([0-9]+)([a-z]?)$/i.exec(value);
  const scale = unit?.[2] ? (name === 'cpu' || name === 'rttime' ? TIME_UNITS : SIZE_UNITS)[unit[2].toLowerCase()] : 1;
  if (!unit || scale === undefined)
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: expected a whole number, optionally with a unit, or "unlimited"`,
    );
  return [name, Number(unit[1]) * scale * (name === 'rttime' && unit[2] ? 1_000_000 : 1)];
}

/** `user[:group…]` (or `;` between them), names or numeric ids. */
export function identity(option: string, text: string): Identity {
  const parts = text.split(/[:;]/);
  if (parts.some((part) => part === ''))
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected user[:group…], e.g. ${option} log:adm`);
  const id = (part: string) => (/^[0-9]+$/.test(part) ? Number(part) : part);
  return { user: id(parts[0]!), groups: parts.slice(1).map(id) };
}
