// The log relay: a tiny program between a supervised process and its log
// file, for what the file descriptor alone cannot do: UTC timestamps and
// size rotation. It outlives the process's restarts and the supervisor's
// own; it exits when every writer has closed its input.
//
//   node log-relay.js --file PATH [--timestamps] [--max-size BYTES] [--keep N]
import { closeSync, constants, fchmodSync, fstatSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    timestamps: { type: 'boolean', default: false },
    'max-size': { type: 'string' },
    keep: { type: 'string', default: '5' },
  },
});
const file = values.file!;
const maxSize = values['max-size'] === undefined ? Infinity : Number(values['max-size']);
const keep = Number(values.keep);

let fd = -1;
let size = 0;

function open(): void {
  const existed = statSync(file, { throwIfNoEntry: false }) !== undefined;
  fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o640);
  if (!existed) fchmodSync(fd, 0o640);
  size = fstatSync(fd).size;
}

// file.1 is the newest rotated file; beyond `keep` they are deleted.
function rotate(): void {
  closeSync(fd);
  const name = (n: number) => (n === 0 ? file : `${file}.${n}`);
  try {
    unlinkSync(name(keep));
  } catch {
    // not there
  }
  for (let n = keep - 1; n >= 0; n--) {
    try {
      renameSync(name(n), name(n + 1));
    } catch {
      // not there
    }
  }
  if (keep === 0) unlinkSync(file);
  open();
}

function write(text: string): void {
  const bytes = Buffer.from(text);
  writeSync(fd, bytes);
  size += bytes.length;
  if (size >= maxSize) rotate();
}

let partial = '';
function line(text: string): string {
  return values.timestamps ? `${new Date().toISOString()} ${text}` : text;
}

open();
process.on('SIGHUP', () => {
  closeSync(fd);
  open(); // reopened: an outside logrotate moved the file
});
process.stdin.on('data', (chunk: Buffer) => {
  const text = partial + chunk.toString('utf8');
  const end = text.lastIndexOf('\n');
  partial = text.slice(end + 1);
  if (end < 0) return;
  for (const each of text.slice(0, end).split('\n')) write(`${line(each)}\n`);
});
process.stdin.on('end', () => {
  if (partial) write(`${line(partial)}\n`); // a last line without newline is still written
  closeSync(fd);
});
