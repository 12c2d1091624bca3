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
const lines = splitLines((line) => log.write(line));
process.on('SIGHUP', () => log.reopen()); // an outside logrotate moved the file
process.stdin.on('data', (chunk: Buffer) => lines.push(chunk));
process.stdin.on('end', () => {
  lines.end(); // a last line without newline is still written
  log.close();
});
