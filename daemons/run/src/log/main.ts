// dpd-log: lines from stdin to a file, a rotated directory, or syslog.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration, parseSize } from '@diprocd/procspec';
import { UsageError, parseCommandLine, usageMessage, versionLine } from '@diprocd/procspec/runtime';
import { splitLines } from '@diprocd/procspec/runtime';
import { LineLog } from '@diprocd/supervisor/host';

const USAGE = `Usage:
  dpd-log [-t] [-p PREFIX] [-b] [-e] [FILE]
  dpd-log -d DIR [-s SIZE] [-T AGE] [-m KEEP] [-t] [-p PREFIX] [-b] [-e]
  dpd-log --syslog NAME [-f FACILITY] [-P PRIORITY] [-p PREFIX] [-e]

Appends the lines of its standard input to FILE (standard output without
one), to DIR/current rotated by size and age, or to the system log.

  -t           prefix each line with a UTC timestamp
  -p PREFIX    prefix each line with PREFIX
  -b           buffered: no fsync after each line
  -e           skip empty lines
  -d DIR       write DIR/current; rotated files are DIR/<UTC time>.log
  -s SIZE      rotate at this size (e.g. 10M; default 1M with -d)
  -T AGE       rotate when current is this old (e.g. 1d; s m h d w)
  -m KEEP      rotated files to keep (default 10)
  --syslog NAME  send lines to syslog as NAME (through logger(1))
  -f FACILITY  syslog facility (default user)
  -P PRIORITY  syslog priority (default notice)
  -h, --help
  -V, --version  print the version

SIGHUP reopens FILE (for logrotate). A last line without a newline is
still written. Exit status: 0 at the end of input, 1 on a write error,
2 on bad usage.

Example: cron -f 2>&1 | dpd-log -t /var/log/cron.log`;

function parse(argv: string[]) {
  const { values, positionals } = parseCommandLine({
    args: argv,
    options: {
      t: { type: 'boolean', default: false },
      p: { type: 'string' },
      b: { type: 'boolean', default: false },
      e: { type: 'boolean', default: false },
      d: { type: 'string' },
      s: { type: 'string' },
      T: { type: 'string' },
      m: { type: 'string' },
      syslog: { type: 'string' },
      f: { type: 'string', default: 'user' },
      P: { type: 'string', default: 'notice' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', short: 'V', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new UsageError('at most one FILE');
  if ([values.d, values.syslog, positionals[0]].filter((v) => v !== undefined).length > 1)
    throw new UsageError('FILE, -d and --syslog exclude each other');
  const maxSize = values.s === undefined ? (values.d ? 1024 ** 2 : undefined) : parseSize(values.s);
  if (maxSize === undefined && values.s !== undefined)
    throw new UsageError(`-s: expected a size such as 10M, found ${JSON.stringify(values.s)}`);
  const maxAgeMs = values.T === undefined ? undefined : parseDuration(values.T);
  if (values.T !== undefined && !maxAgeMs)
    throw new UsageError(`-T: expected a duration such as 1d, found ${JSON.stringify(values.T)}`);
  const keep = values.m === undefined ? 10 : Number(values.m);
  if (!Number.isInteger(keep) || keep < 0)
    throw new UsageError(`-m: expected a number of files, found ${JSON.stringify(values.m)}`);
  if ((values.s !== undefined || values.T !== undefined || values.m !== undefined) && !values.d)
    throw new UsageError('-s, -T and -m need -d DIR');
  return { values, file: positionals[0], maxSize, maxAgeMs, keep };
}

/** Lines to syslog through logger(1), which knows the local socket. */
function toSyslog(
  name: string,
  facility: string,
  priority: string,
  prefix: string,
  skipEmpty: boolean,
): Promise<number> {
  const logger = spawn('logger', ['-t', name, '-p', `${facility}.${priority}`], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  logger.stdin.on('error', () => undefined); // logger exited early: its exit status says so
  const lines = splitLines((line) => {
    if (skipEmpty && line.length === 0) return;
    // Backpressure: stop reading while logger catches up.
    if (!logger.stdin.write(Buffer.concat([Buffer.from(prefix), line, Buffer.from('\n')]))) {
      process.stdin.pause();
      logger.stdin.once('drain', () => process.stdin.resume());
    }
  });
  process.stdin.on('data', (chunk: Buffer) => lines.push(chunk));
  process.stdin.on('end', () => {
    lines.end();
    logger.stdin.end();
  });
  return new Promise((done) => {
    logger.on('error', (error) => {
      process.stderr.write(`dpd-log: cannot run logger(1): ${error.message}\n`);
      done(1);
    });
    logger.on('exit', (code) => done(code === 0 ? 0 : 1));
  });
}

export async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(usageMessage('dpd-log', error, USAGE));
    return 2;
  }
  const { values, file, maxSize, maxAgeMs, keep } = options;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(versionLine('dpd-log'));
    return 0;
  }
  if (values.syslog !== undefined) return toSyslog(values.syslog, values.f, values.P, values.p ?? '', values.e);

  let log: LineLog;
  try {
    if (values.d) mkdirSync(values.d, { recursive: true });
    const target = values.d ? join(values.d, 'current') : file;
    log = new LineLog({
      file: target,
      naming: 'timestamped',
      timestamps: values.t,
      prefix: values.p,
      skipEmpty: values.e,
      sync: !values.b && target !== undefined,
      maxSize,
      maxAgeMs,
      keep,
    });
  } catch (error) {
    process.stderr.write(`dpd-log: ${(error as Error).message}\n`);
    return 1;
  }
  const lines = splitLines((line) => log.write(line));
  return new Promise((done) => {
    process.on('SIGHUP', () => {
      try {
        log.reopen();
      } catch (error) {
        process.stderr.write(`dpd-log: cannot reopen: ${(error as Error).message}\n`);
        done(1);
      }
    });
    process.stdin.on('data', (chunk: Buffer) => {
      try {
        lines.push(chunk);
        log.flush();
      } catch (error) {
        process.stderr.write(`dpd-log: ${(error as Error).message}\n`);
        done(1);
      }
    });
    process.stdin.on('end', () => {
      lines.end();
      log.close();
      done(0);
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-log: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
