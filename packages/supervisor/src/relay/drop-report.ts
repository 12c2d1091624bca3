// How the log relay tells the supervisor that lines are being dropped: one
// JSON line on its stdout per report (LineLog's DropReport), once when writes
// begin to fail and once when they succeed again.
import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { DropReport } from './line-log.js';

/** Writes `report` to `fd`; a supervisor that is gone (EPIPE) or slow does not stop the relay. */
export function writeDropReport(fd: number, report: DropReport): void {
  try {
    writeSync(fd, `${JSON.stringify(report)}\n`);
  } catch {
    // no one to tell: the lines are dropped all the same
  }
}

/**
 * Calls `told` with each report the relay writes to `output` (its stdout). The pipe does not keep the host's event
 * loop alive: a relay outlives its supervisor's wish to exit.
 */
export function readDropReports(output: Readable, told: (report: DropReport) => void): void {
  (output as Socket).unref?.();
  createInterface({ input: output }).on('line', (line) => {
    try {
      const report = JSON.parse(line) as DropReport;
      if (typeof report.recovered === 'boolean' && typeof report.lines === 'number' && typeof report.code === 'string')
        told({ recovered: report.recovered, lines: report.lines, code: report.code });
    } catch {
      // not a report
    }
  });
}
