import type { ProcStatusView } from '@diprocd/daemonkit';
import { visible } from '@diprocd/procspec/runtime';

/** 3725000 → "1h2m", 42000 → "42s". */
export function formatUptime(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/** How a process last ended; `timedOut` is absent from what nodes report to the master. */
export function formatExit(exit: { code: number | null; signal: string | null; timedOut?: boolean } | null): string {
  if (exit === null) return '-';
  const how = exit.signal ?? (exit.code === null ? 'unknown' : `code ${exit.code}`);
  return exit.timedOut ? `${how} (timeout)` : how;
}

/** Rows as aligned columns, two spaces apart, the last column not padded. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) =>
    row
      .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!)))
      .join('  ')
      .trimEnd(),
  );
}

// States in which a process is down (or waits) for a failure of its last run: its log's first tail line is shown.
const FAILED = new Set(['failed', 'gave-up', 'backoff']);

/**
 * Why it is down, and for a failure what its log said last ("exited with code 1; log: bind() … failed"). A program's
 * words are shown with their control characters escaped (a worker of an earlier version does not escape them): they
 * must not move the terminal's cursor or rewrite another row.
 */
export function formatReason(p: Pick<ProcStatusView, 'state' | 'reason' | 'lastExit'>): string {
  const line = FAILED.has(p.state) ? p.lastExit?.tail?.[0] : undefined;
  const reason = line === undefined ? p.reason : (p.reason ?? p.lastExit?.reason);
  const said = line === undefined ? (reason ?? '') : reason ? `${reason}; log: ${line}` : `log: ${line}`;
  return visible(said);
}

/** The status table: name, state, pid, uptime, restarts, last exit, and why it is down (with its log's line). */
export function statusTable(procs: ProcStatusView[]): string {
  const rows = [
    ['NAME', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'REASON'],
    ...procs.map((p) => [
      p.name,
      p.state,
      p.pid === null ? '-' : String(p.pid),
      formatUptime(p.uptimeMs),
      String(p.restarts),
      formatExit(p.lastExit),
      formatReason(p),
    ]),
  ];
  return columns(rows).join('\n');
}
