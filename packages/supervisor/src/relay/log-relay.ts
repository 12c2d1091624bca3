// The log relay: a tiny program between a supervised process and its log
// file, for what the file descriptor alone cannot do: UTC timestamps and
// size rotation. It outlives the process's restarts and the supervisor's
// own; it exits when every writer has closed its input.
//
//   node log-relay.js --file PATH [--dir-fd 3 --owner-uid UID] [--timestamps] [--max-size BYTES] [--keep N]
//
// The supervisor opens the file's directory (by a walk that follows no
// symlink) and hands it over as fd 3: the relay never walks the path
// again, and opens, renames and deletes only relative to that directory.
//
// While writes fail (a full disk), lines are dropped and counted; the relay
// says so on its stdout, once when they begin to fail and once when they
// succeed again (drop-report.ts), for the supervisor to report.
// It keeps the last lines it took in (tail-ring.ts): when a run ends, the
// supervisor asks in the input stream, and the answer goes to stdout.
import { parseArgs } from 'node:util';
import { splitLines } from '@diprocd/procspec/runtime';
import { writeDropReport } from './drop-report.js';
import { LineLog } from './line-log.js';
import { TailRing } from './tail-ring.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    'dir-fd': { type: 'string' },
    'owner-uid': { type: 'string' },
    timestamps: { type: 'boolean', default: false },
    'max-size': { type: 'string' },
    keep: { type: 'string', default: '5' },
  },
});
const log = new LineLog({
  file: values.file!,
  dirFd: values['dir-fd'] === undefined ? undefined : Number(values['dir-fd']),
  ownerUid: values['owner-uid'] === undefined ? undefined : Number(values['owner-uid']),
  timestamps: values.timestamps,
  maxSize: values['max-size'] === undefined ? undefined : Number(values['max-size']),
  keep: Number(values.keep),
  onDrops: (report) => writeDropReport(1, report),
});
const ring = new TailRing();
let chunkAt = 0;
// The supervisor may be gone (its end of stdout closed): an answer it cannot get is dropped.
process.stdout.on('error', () => undefined);
const answer = (reply: object) => process.stdout.write(`${JSON.stringify(reply)}\n`);
// A write that fails (disk full, file removed) drops that line and reopens
// the file; the relay goes on draining its input, so the process writing
// to it is never killed by SIGPIPE for a problem of the log's.
const lines = splitLines((taken) => {
  const line = ring.take(taken, chunkAt, answer);
  if (line === null) return;
  try {
    log.write(line);
  } catch {
    try {
      log.reopen();
    } catch {
      // still failing: the next line tries again
    }
  }
});
process.on('SIGHUP', () => {
  try {
    log.reopen(); // an outside logrotate moved the file
  } catch {
    // the next write tries again
  }
});
process.stdin.on('data', (chunk: Buffer) => {
  chunkAt = Date.now();
  lines.push(chunk);
  try {
    log.flush();
  } catch {
    try {
      log.reopen();
    } catch {
      // still failing: the next chunk tries again
    }
  }
});
process.stdin.on('end', () => {
  try {
    lines.end(); // a last line without newline is still written
    log.close();
  } catch {
    // a last write that failed: dropped, like any other
  }
});
