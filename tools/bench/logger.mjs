// Benchmark of @diprocd/daemonkit's Logger: lines a second and bytes a line
// of the JSON format before pino's shape (ISO time, level names, `event`),
// of the pino-shaped one, and of pino itself, on one mix of the daemons'
// events. Each logger writes what it would write: the Logger a batch of
// lines in one write (as its 5 ms timer does), pino each line as it comes.
//
//   npm run build && node tools/bench/logger.mjs [--lines 200000] [--rounds 7] [--batch 64] [--no-record]
import { openSync, writeSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Logger } from '@diprocd/daemonkit';
import pino from 'pino';
import { RECORD_OPTION, finish } from './lib/history.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
    batch: { type: 'string', default: '64' },
    ...RECORD_OPTION,
  },
});
const LINES = Number(values.lines);
const ROUNDS = Number(values.rounds);
/** Lines a write carries: what a busy worker logs within 5 ms. */
const BATCH = Number(values.batch);

/**
 * The Logger as it was before pino's shape (its line() as on main before
 * issue 15), with the same keeping and batching: the baseline.
 */
class IsoLogger {
  kept = [];
  scheduled = false;
  constructor(out, format, verbose) {
    Object.assign(this, { out, format, verbose });
  }
  log(level, event, fields = {}) {
    if (level === 'debug' && !this.verbose) return;
    this.kept.push({ at: Date.now(), level, event, fields: { ...fields } });
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.flush(), 5);
  }
  flush() {
    this.scheduled = false;
    if (this.kept.length === 0) return;
    const entries = this.kept;
    this.kept = [];
    let text = '';
    for (const entry of entries) text += this.line(entry);
    this.out.write(text);
  }
  line({ at, level, event, fields }) {
    const time = new Date(at).toISOString();
    return `${JSON.stringify({ time, level, event, ...fields })}\n`;
  }
}

// What a worker logs while it restarts processes, and a reload now and then.
const MIX = [
  [
    'info',
    'proc.exit',
    { name: 'web-7', pid: 48213, runMs: 1204, code: 1, signal: null, timedOut: false, at: 1796688440601 },
  ],
  ['info', 'proc.restart', { name: 'web-7', restarts: 3 }],
  ['info', 'proc.start', { name: 'web-7', pid: 48230, restarts: 3 }],
  ['info', 'proc.backoff', { name: 'cron', delayMs: 2000 }],
  ['warn', 'proc.gave-up', { name: 'flaky', starts: 6, withinMs: 9870 }],
  [
    'info',
    'file.reload',
    { file: '/etc/diprocd/worker.json', reason: 'watch', added: ['a'], removed: [], changed: ['web-7'], unchanged: 12 },
  ],
  ['error', 'proc.error', { name: 'db', code: 'DPD_SPAWN_FAILED', message: 'db: spawn /usr/bin/postgres: ENOENT' }],
  ['info', 'ctl.restart', { name: 'web-7' }],
];

/** A sink that counts what it is given, as a stream that accepts at once. */
function counter() {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      sink.bytes += chunk.length;
      done();
    },
  });
  sink.bytes = 0;
  return sink;
}

/** /dev/null written as a daemon's stderr on a file is: one write(2) per write. */
function devNull() {
  const fd = openSync('/dev/null', 'w');
  const sink = new Writable({
    write(chunk, _encoding, done) {
      sink.bytes += writeSync(fd, chunk);
      done();
    },
  });
  sink.bytes = 0;
  sink.file = '/dev/null';
  return sink;
}

/** diprocd's loggers: a batch of lines a write, as the 5 ms timer makes them. */
function batched(make) {
  return (sink) => {
    const log = make(sink);
    return () => {
      for (let i = 0; i < LINES; i++) {
        const [level, event, fields] = MIX[i % MIX.length];
        log.log(level, event, fields);
        if (i % BATCH === BATCH - 1) log.flush();
      }
      log.flush();
    };
  };
}

/**
 * pino as an application uses it: into the stream it is given, or on a file its own sonic-boom, synchronous (its
 * default).
 */
function pinoInto(sink) {
  const log = pino({ level: 'info' }, sink.file ? pino.destination({ dest: sink.file, sync: true }) : sink);
  return () => {
    for (let i = 0; i < LINES; i++) {
      const [level, event, fields] = MIX[i % MIX.length];
      log[level](fields, event);
    }
  };
}

const loggers = [
  {
    name: 'before (ISO time, level names, event)',
    kind: 'before',
    pass: batched((sink) => new IsoLogger(sink, 'json', false)),
  },
  { name: 'now (pino shape)', kind: 'now', pass: batched((sink) => new Logger(sink, 'json', false)) },
  { name: `pino ${pino.version}`, kind: 'pino', pass: pinoInto },
];
const sinks = [
  { name: 'counting Writable', key: 'counting', make: counter },
  { name: '/dev/null', key: 'devNull', make: devNull },
];

function median(list) {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Rounds interleave the loggers, so a neighbour's load on a shared machine
// falls on all of them alike; the first round warms the JIT and is dropped.
const cases = sinks.flatMap((sink) => loggers.map((logger) => ({ sink, logger, samples: [] })));
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const one of cases) {
    const sink = one.sink.make();
    const pass = one.logger.pass(sink);
    const started = process.hrtime.bigint();
    pass();
    // Bytes a line: what the counting sink was given (pino writes /dev/null past it).
    if (sink.bytes > 0) one.logger.bytes = Math.round((sink.bytes / LINES) * 10) / 10;
    if (round > 0) one.samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
}
const rows = cases.map(({ sink, logger, samples }) => {
  const ms = median(samples);
  return {
    sink: sink.name,
    logger: logger.name,
    kind: logger.kind,
    linesPerSecond: Math.round(LINES / (ms / 1000)),
    bytesPerLine: logger.bytes,
    msPerRun: Math.round(ms * 10) / 10,
  };
});
/** Lines a second of the pino shape over those of the format before it, per sink. */
const speedup = Object.fromEntries(
  sinks.map((sink) => {
    const of = (kind) => rows.find((row) => row.sink === sink.name && row.kind === kind).linesPerSecond;
    return [sink.name, Math.round((of('now') / of('before')) * 100) / 100];
  }),
);

const command = `npm run build && node tools/bench/logger.mjs --lines ${LINES} --rounds ${ROUNDS} --batch ${BATCH}`;

const width = Math.max(...rows.map((row) => row.logger.length));
console.log(`${'sink'.padEnd(18)} ${'logger'.padEnd(width)} ${'lines/s'.padStart(10)} ${'bytes/line'.padStart(10)}`);
for (const row of rows)
  console.log(
    `${row.sink.padEnd(18)} ${row.logger.padEnd(width)} ${String(row.linesPerSecond).padStart(10)} ${String(row.bytesPerLine).padStart(10)}`,
  );
console.log(
  `now / before, lines a second: ${Object.entries(speedup)
    .map(([sink, x]) => `${x}x into ${sink}`)
    .join(', ')}`,
);
console.log(
  `(${LINES} lines a run, median of ${ROUNDS} runs, ${BATCH} lines a write for diprocd's loggers; bytes with this pid and host name, ${String(process.pid).length + hostname().length} characters; ${cpus().length} cores, Node ${process.version})`,
);
// Stored by sink, then by logger (before, now, pino), as the summary table reads them.
const bySink = Object.fromEntries(
  sinks.map((sink) => [
    sink.key,
    Object.fromEntries(
      rows
        .filter((row) => row.sink === sink.name)
        .map((row) => [
          row.kind,
          { linesPerSecond: row.linesPerSecond, bytesPerLine: row.bytesPerLine, msPerRun: row.msPerRun },
        ]),
    ),
  ]),
);
finish(values, {
  bench: 'logger',
  command,
  results: {
    lines: LINES,
    rounds: ROUNDS,
    batch: BATCH,
    pino: pino.version,
    cores: cpus().length,
    ...bySink,
    nowOverBefore: speedup,
  },
});
