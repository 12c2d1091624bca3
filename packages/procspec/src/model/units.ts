// Text forms of durations, sizes and signals, shared by the schema (patterns)
// and the normaliser (parsers) so the two can never disagree.

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The longest duration a spec may give: 365 days, in milliseconds. Past it a timer would overflow Node's. */
export const MAX_DURATION_MS = 365 * 86_400_000;
/** The largest size a spec may give: 2^50 bytes (1024 TiB), well inside exact integers. */
export const MAX_SIZE_BYTES = 2 ** 50;

/** A duration string: `"500ms"`, `"10s"`, `"1m30s"`, `"2h"`, `"1d"`, `"1w"`, or bare seconds `"10"`. */
export const DURATION_PATTERN = '^(?:[0-9]+(?:\\.[0-9]+)?|(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d|w))+)$';
/** The same, above zero: some digit is not 0. */
export const POSITIVE_DURATION_PATTERN = `^(?=[^1-9]*[1-9])${DURATION_PATTERN.slice(1)}`;
const DURATION_RE = new RegExp(DURATION_PATTERN);
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)/g;

/** Why a value is not a duration a spec may give, or `undefined` when it is one. */
export type DurationProblem = 'malformed' | 'too long' | 'zero';

/** Milliseconds of a well-formed duration, unrounded; `undefined` when malformed. */
function exactMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || !DURATION_RE.test(value)) return undefined;
  if (/^[0-9.]+$/.test(value)) return Number(value) * 1000;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(DURATION_PART))
    total += Number(amount) * DURATION_UNITS_MS[unit as string]!;
  return total;
}

/** Above zero: numbers compare, text has a digit other than 0 (as the JSON Schema pattern says). */
const isPositive = (value: unknown): boolean => (typeof value === 'number' ? value > 0 : /[1-9]/.test(String(value)));

/**
 * What is wrong with a duration, or `undefined` when it is fine. A number is
 * compared in seconds, as the JSON Schema's `maximum` compares it.
 */
export function durationProblem(value: unknown, options: { positive?: boolean } = {}): DurationProblem | undefined {
  const ms = exactMs(value);
  if (ms === undefined) return 'malformed';
  const tooLong = typeof value === 'number' ? value > MAX_DURATION_MS / 1000 : ms > MAX_DURATION_MS;
  if (tooLong) return 'too long';
  if (options.positive && !isPositive(value)) return 'zero';
  return undefined;
}

/**
 * Milliseconds for a duration: a number is seconds, a string carries units.
 * Returns `undefined` for anything that is not a duration or is longer than
 * 365 days. A duration above zero never rounds down to 0 ms.
 */
export function parseDuration(value: unknown): number | undefined {
  if (durationProblem(value) !== undefined) return undefined;
  // Zero is written 0 (never -0), so equal durations compare equal.
  return isPositive(value) ? Math.max(1, Math.round(exactMs(value)!)) : 0;
}

/** The canonical text for a number of milliseconds, e.g. `1500` → `"1500ms"`, `60000` → `"60s"`. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * A size string: bytes, or a number with `k`, `M` or `G` (binary units,
 * case-insensitive, optional `B`/`iB`). Some digit is not 0: a size is never zero.
 */
export const SIZE_PATTERN = '^(?=[0-9]*[1-9])[0-9]+(?:[kKmMgG](?:i?[bB])?|[bB])?$';

/** Why a value is not a size a spec may give, or `undefined` when it is one. */
export type SizeProblem = 'malformed' | 'too large';

/** Bytes of a well-formed size, uncapped; `undefined` when malformed. */
function bytesOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string' || !new RegExp(SIZE_PATTERN).test(value)) return undefined;
  const match = /^([0-9]+)([a-zA-Z]?)/.exec(value)!;
  return Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!;
}

/** What is wrong with a size, or `undefined` when it is fine. */
export function sizeProblem(value: unknown): SizeProblem | undefined {
  const bytes = bytesOf(value);
  if (bytes === undefined) return 'malformed';
  return bytes > MAX_SIZE_BYTES ? 'too large' : undefined;
}

/** What a value with each problem past its form should have been, in words. */
export const PROBLEM_WORDS: Record<Exclude<DurationProblem | SizeProblem, 'malformed'>, string> = {
  'too long': 'a duration of at most 365 days',
  zero: 'a duration above 0',
  'too large': 'a size of at most 2^50 bytes ("1048576G")',
};

/**
 * Bytes for a size: a number is bytes, a string may carry a binary unit. `undefined` when malformed, zero or above
 * 2^50.
 */
export function parseSize(value: unknown): number | undefined {
  return sizeProblem(value) === undefined ? bytesOf(value) : undefined;
}

/** Signals a spec may name (Linux). Accepted with or without the `SIG` prefix. */
export const SIGNAL_NAMES = [
  'HUP',
  'INT',
  'QUIT',
  'ILL',
  'TRAP',
  'ABRT',
  'BUS',
  'FPE',
  'KILL',
  'USR1',
  'SEGV',
  'USR2',
  'PIPE',
  'ALRM',
  'TERM',
  'STKFLT',
  'CHLD',
  'CONT',
  'STOP',
  'TSTP',
  'TTIN',
  'TTOU',
  'URG',
  'XCPU',
  'XFSZ',
  'VTALRM',
  'PROF',
  'WINCH',
  'IO',
  'PWR',
  'SYS',
] as const;

export const SIGNAL_PATTERN = `^(?:SIG)?(?:${SIGNAL_NAMES.join('|')})$`;

/** `"TERM"` and `"SIGTERM"` both give `"SIGTERM"`; anything else gives `undefined`. */
export function parseSignal(value: unknown): NodeJS.Signals | undefined {
  if (typeof value !== 'string' || !new RegExp(SIGNAL_PATTERN).test(value)) return undefined;
  return (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals;
}

/** Resource limits a spec may set, by their `prlimit` names. */
export const RLIMIT_NAMES = [
  'as',
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;
export type RlimitName = (typeof RLIMIT_NAMES)[number];

/** The largest uid or gid: 2^32 - 2, since 2^32 - 1 is (uid_t) -1, "no change", to setuid/chown. */
export const MAX_ID = 4_294_967_294;

/**
 * A regular expression (unanchored) for decimal numbers from 0 to `max`,
 * leading zeros allowed: JSON Schema has no numeric check for strings.
 */
export function decimalAtMost(max: number): string {
  const digits = String(max);
  const parts = digits.length > 1 ? [`[0-9]{1,${digits.length - 1}}`] : [];
  for (let i = 0; i < digits.length; i++) {
    // The first i digits as in max, then a smaller digit, then any digits.
    const digit = Number(digits[i]);
    const rest = digits.length - i - 1;
    if (rest === 0) parts.push(`${digits.slice(0, i)}[0-${digit}]`);
    else if (digit > 0) parts.push(`${digits.slice(0, i)}[0-${digit - 1}][0-9]{${rest}}`);
  }
  return `0*(?:${parts.join('|')})`;
}

/** A user or group: a POSIX-portable name (optionally ending in `$`) or a numeric id up to 4294967294. */
export const ACCOUNT_PATTERN = `^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|${decimalAtMost(MAX_ID)})$`;

/** An octal umask such as `"077"` or `"0022"`. */
export const UMASK_PATTERN = '^0?[0-7]{1,3}$';

/**
 * A process name: anything but "/", NUL and control characters, not starting
 * with a dot, at most 128 characters. The original diprocd allowed any name;
 * these are the names that cannot become a file name or a log line.
 */
export const NAME_PATTERN = '^(?!\\.)[^/\\u0000-\\u001f\\u007f-\\u009f]{1,128}$';

/** A node name: letters, digits and `_ . @ : + -`, not starting with a dot, as host names are. */
export const NODE_NAME_PATTERN = '^[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,127}$';
/** The words for a node name, in every message about one. */
export const NODE_NAME_WORDS = 'a node name of letters, digits and _ . @ : + - (not starting with ".")';

/** A client's node name: node-name characters and `%H`, the host name. */
export const NODE_NAME_TEMPLATE_PATTERN = '^(?:[A-Za-z0-9_@:+-]|%H)(?:[A-Za-z0-9_.@:+-]|%H){0,127}$';

/** A ZeroMQ endpoint the transport binds or connects. */
export const ENDPOINT_PATTERN = '^(?:tcp|ipc|inproc)://.+$';

/** An environment variable name: anything without `=` or NUL. */
export const ENV_NAME_PATTERN = '^[^=\\u0000]+$';

/** No NUL anywhere: the string reaches exec or the file system, where NUL would cut it short. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
