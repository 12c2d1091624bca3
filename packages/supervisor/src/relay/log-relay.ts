// The log relay: a tiny program between a supervised process and its log
// file, for what the file descriptor alone cannot do: UTC timestamps and
// size rotation. It outlives the process's restarts and the supervisor's
// own; it exits when every writer has closed its input.
//
//   node log-relay.js --file PATH [--timestamps] [--max-size BYTES] [--keep N]
import { parseArgs } from 'node:util';
import { LineLog, splitLines } from './line-log.js';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    timestamps: { type: 'boolean', default: false },
    'max-size': { type: 'string' },
    keep: { type: 'string', default: '5' },
  },
});
const log = new LineLog({
  file: values.file!,
  timestamps: values.timestamps,
  maxSize: values['max-size'] === undefined ? undefined : Number(values['max-size']),
  keep: Number(values.keep),
});
// A write that fails (disk full, file removed) drops that line and reopens
// the file; the relay goes on draining its input, so the process writing
// to it is never killed by SIGPIPE for a problem of the log's.
const lines = splitLines((line) => {
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
  lines.end(); // a last line without newline is still written
  log.close();
});
