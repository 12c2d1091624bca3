// How the log relay tells the supervisor that lines are being dropped: one
// JSON line on its stdout per report (LineLog's DropReport), once when writes
// begin to fail and once when they succeed again.
import { writeSync } from 'node:fs';
import type { DropReport } from './line-log.js';

/** Writes `report` to `fd`; a supervisor that is gone (EPIPE) or slow does not stop the relay. */
export function writeDropReport(fd: number, report: DropReport): void {
  try {
    writeSync(fd, `${JSON.stringify(report)}\n`);
  } catch {
    // no one to tell: the lines are dropped all the same
  }
}

/** `value` as a drop report (one JSON line of the relay's), or undefined when it is not one. */
export function asDropReport(value: unknown): DropReport | undefined {
  const report = value as Partial<DropReport> | null;
  if (typeof report?.recovered !== 'boolean' || typeof report.lines !== 'number' || typeof report.code !== 'string')
    return undefined;
  return { recovered: report.recovered, lines: report.lines, code: report.code };
}
