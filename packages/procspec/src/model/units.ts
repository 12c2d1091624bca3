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

/** A duration string: `"500ms"`, `"10s"`, `"1m30s"`, `"2h"`, `"1d"`, `"1w"`, or bare seconds `"10"`. */
export const DURATION_PATTERN = '^(?:[0-9]+(?:\\.[0-9]+)?|(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d|w))+)$';
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)/g;

/**
 * Milliseconds for a duration: a number is seconds, a string carries units.
 * Returns `undefined` for anything that is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    // `+ 0` turns -0 into 0, so equal durations compare equal.
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) + 0 : undefined;
  }
  if (typeof value !== 'string' || !new RegExp(DURATION_PATTERN).test(value)) return undefined;
  if (/^[0-9.]+$/.test(value)) return Math.round(Number(value) * 1000);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) {
    total += Number(amount) * DURATION_UNITS_MS[unit as string]!;
  }
  return Math.round(total);
}

/** The canonical text for a number of milliseconds, e.g. `1500` → `"1500ms"`, `60000` → `"60s"`. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size string: bytes, or a number with `k`, `M` or `G` (binary units, case-insensitive, optional `B`/`iB`). */
export const SIZE_PATTERN = '^[0-9]+(?:[kKmMgG](?:i?[bB])?|[bB])?$';

/** Bytes for a size: a number is bytes, a string may carry a binary unit. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string' || !new RegExp(SIZE_PATTERN).test(value)) return undefined;
  const match = /^([0-9]+)([a-zA-Z]?)/.exec(value)!;
  const bytes = Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!;
  return bytes > 0 ? bytes : undefined;
}

/** Signals a spec may name (Linux). Accepted with or without the `SIG` prefix. */
export const SIGNAL_NAMES = [
  'HUP', 'INT', 'QUIT', 'ILL', 'TRAP', 'ABRT', 'BUS', 'FPE', 'KILL', 'USR1', 'SEGV', 'USR2',
  'PIPE', 'ALRM', 'TERM', 'STKFLT', 'CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'URG',
  'XCPU', 'XFSZ', 'VTALRM', 'PROF', 'WINCH', 'IO', 'PWR', 'SYS',
] as const;

export const SIGNAL_PATTERN = `^(?:SIG)?(?:${SIGNAL_NAMES.join('|')})$`;

/** `"TERM"` and `"SIGTERM"` both give `"SIGTERM"`; anything else gives `undefined`. */
export function parseSignal(value: unknown): NodeJS.Signals | undefined {
  if (typeof value !== 'string' || !new RegExp(SIGNAL_PATTERN).test(value)) return undefined;
  return (value.startsWith('SIG') ? value : `SIG${value}`) as NodeJS.Signals;
}

/** Resource limits a spec may set, by their `prlimit` names. */
export const RLIMIT_NAMES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile',
  'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;
export type RlimitName = (typeof RLIMIT_NAMES)[number];

/** A user or group: a POSIX-portable name (optionally ending in `$`) or a numeric id. */
export const ACCOUNT_PATTERN = '^(?:[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|[0-9]{1,10})$';

/** An octal umask such as `"077"` or `"0022"`. */
export const UMASK_PATTERN = '^0?[0-7]{1,3}$';

/** A process name: letters, digits and `_ . @ : + -`, not starting with a dot (it names files). */
export const NAME_PATTERN = '^[A-Za-z0-9_@:+-][A-Za-z0-9_.@:+-]{0,127}$';

/** A ZeroMQ endpoint the transport binds or connects. */
export const ENDPOINT_PATTERN = '^(?:tcp|ipc|inproc)://.+$';

/** An environment variable name: anything without `=` or NUL. */
export const ENV_NAME_PATTERN = '^[^=\\u0000]+$';
