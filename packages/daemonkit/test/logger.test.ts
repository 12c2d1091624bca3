// The JSON line's shape, pinned, and read by a real consumer: a real
// daemon's log through the pino-pretty command, as an operator pipes it.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@diprocd/test-utils';
import { Logger } from '@diprocd/daemonkit';

const require = createRequire(import.meta.url);
let dir: string;
beforeEach(() => {
  dir = tempDir('logger');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Logger, JSON', () => {
  it("writes pino's line: numeric level, epoch ms, pid and hostname, the fields, the event as msg", () => {
    const writes: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (writes.push(chunk.toString()), done()) });
    let now = 1733616000000;
    const log = new Logger(out, 'json', true, { now: () => now++, pid: 4001, hostname: 'node-1' });
    log.debug('proc.state', { name: 'web', from: 'starting', to: 'running' });
    log.info('file.load', { file: '/etc/w.json', started: ['web'], skipped: undefined, note: null });
    log.warn('proc.start', { name: 'web', pid: 4321, restarts: 0 });
    log.error('proc.error', { name: null, code: 'DPD_SPAWN_FAILED', message: 'a "quoted" reason\n' });
    log.info('master.stopped');
    log.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchInlineSnapshot(`
      "{"level":20,"time":1733616000000,"pid":4001,"hostname":"node-1","name":"web","from":"starting","to":"running","msg":"proc.state"}
      {"level":30,"time":1733616000001,"pid":4001,"hostname":"node-1","file":"/etc/w.json","started":["web"],"note":null,"msg":"file.load"}
      {"level":40,"time":1733616000002,"pid":4001,"hostname":"node-1","name":"web","eventPid":4321,"restarts":0,"msg":"proc.start"}
      {"level":50,"time":1733616000003,"pid":4001,"hostname":"node-1","name":null,"code":"DPD_SPAWN_FAILED","message":"a \\"quoted\\" reason\\n","msg":"proc.error"}
      {"level":30,"time":1733616000004,"pid":4001,"hostname":"node-1","msg":"master.stopped"}
      "
    `);
  });

  it("keeps the line's own keys its own: a field named like one is renamed, in its place", () => {
    const writes: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (writes.push(chunk.toString()), done()) });
    const log = new Logger(out, 'json', false, { now: () => 7, pid: 1, hostname: 'h' });
    log.info('odd', { a: 1, level: 'x', time: 'y', pid: 2, hostname: 'z', msg: 'm', b: 2 });
    log.flush();
    expect(JSON.parse(writes[0]!)).toStrictEqual({
      level: 30,
      time: 7,
      pid: 1,
      hostname: 'h',
      a: 1,
      eventLevel: 'x',
      eventTime: 'y',
      eventPid: 2,
      eventHostname: 'z',
      eventMsg: 'm',
      b: 2,
      msg: 'odd',
    });
    expect(Object.keys(JSON.parse(writes[0]!))).toEqual([
      'level',
      'time',
      'pid',
      'hostname',
      'a',
      'eventLevel',
      'eventTime',
      'eventPid',
      'eventHostname',
      'eventMsg',
      'b',
      'msg',
    ]);
  });

  // Regressions from a review: one field JSON cannot write (a BigInt) threw in flush(), losing every line kept with
  // it (and, from the timer, ending the daemon); a renamed field replaced a field of that name; an own __proto__
  // field was dropped; a field named toJSON made the line invalid JSON.
  it('writes every line it kept when one cannot be written, and never loses or garbles a field', () => {
    const writes: string[] = [];
    const out = new Writable({ write: (chunk, _enc, done) => (writes.push(chunk.toString()), done()) });
    const log = new Logger(out, 'json', false, { now: () => 7, pid: 1, hostname: 'h' });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.info('before', { a: 1 });
    log.info('big', { n: 10n });
    log.info('cycle', { cycle });
    log.info('both', { pid: 2, eventPid: 3 });
    log.info('proto', JSON.parse('{"__proto__": 1, "pid": 4}') as Record<string, unknown>);
    log.info('tojson', { toJSON: () => 'oops' });
    log.info('after', { b: 2 });
    expect(() => log.flush()).not.toThrow();
    expect(
      writes
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as object),
    ).toEqual([
      { level: 30, time: 7, pid: 1, hostname: 'h', a: 1, msg: 'before' },
      {
        level: 30,
        time: 7,
        pid: 1,
        hostname: 'h',
        logError: 'its fields cannot be written: Do not know how to serialize a BigInt',
        msg: 'big',
      },
      {
        level: 30,
        time: 7,
        pid: 1,
        hostname: 'h',
        logError: expect.stringMatching(/^its fields cannot be written: Converting circular structure to JSON/),
        msg: 'cycle',
      },
      { level: 30, time: 7, pid: 1, hostname: 'h', eventPid_: 2, eventPid: 3, msg: 'both' },
      JSON.parse('{"level":30,"time":7,"pid":1,"hostname":"h","__proto__":1,"eventPid":4,"msg":"proto"}'),
      {
        level: 30,
        time: 7,
        pid: 1,
        hostname: 'h',
        logError: 'its fields cannot be written: a field named toJSON',
        msg: 'tojson',
      },
      { level: 30, time: 7, pid: 1, hostname: 'h', b: 2, msg: 'after' },
    ]);
  });

  it("a daemon's log reads in pino-pretty: its level, pid and message", async () => {
    // A daemon by daemonMain, as dpd-workerd is one: it warns of its file, says
    // it is ready, and a second copy says which pid holds the pid file.
    const file = join(dir, 'toy.json');
    writeFileSync(file, '{}\n');
    // Named as the pid-file lock knows its daemons' entries: dpd-toyd.js, an ES module.
    const script = join(dir, 'dpd-toyd.js');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      script,
      `import { daemonMain } from ${JSON.stringify(require.resolve('@diprocd/daemonkit').replace(/\.cjs$/, '.js'))};
// Alive until stopped, as a daemon with a socket open is.
const alive = setInterval(() => {}, 60_000);
let stop;
const closed = new Promise((resolve) => (stop = () => (clearInterval(alive), resolve())));
const code = await daemonMain({
  name: 'dpd-toyd', role: 'toy', what: 'toy file', usage: 'Usage: dpd-toyd [-f] FILE',
  load: () => ({ ok: true, value: {}, warnings: ['a key the toy does not know'] }),
  paths: () => ({ pidFile: ${JSON.stringify(join(dir, 'toy.pid'))}, logFile: ${JSON.stringify(join(dir, 'toy.log'))} }),
  start: async () => ({ reload() {}, shutdown: () => stop(), closed, readyFields: { answer: 42 } }),
}, process.argv.slice(2), process);
process.exit(code);
`,
    );
    const args = [script, '-f', '--log-format', 'json', file];
    const first = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    first.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise((resolve) => first.once('exit', resolve));
    try {
      await waitFor('the toy daemon to be ready', () => log.includes('"msg":"toy.ready"'));
      const second = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 10_000 });
      expect(second.status).toBe(0);
      log += second.stderr;
    } finally {
      first.kill('SIGTERM');
      await exited;
    }

    const pretty = spawnSync(process.execPath, [require.resolve('pino-pretty/bin.js'), '--no-colorize'], {
      input: log,
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(pretty.status).toBe(0);
    const rendered = pretty.stdout.replace(/^\[\d\d:\d\d:\d\d\.\d{3}\]/gm, '[T]');
    const [one, two] = [first.pid, lastWriter(log)];
    expect(rendered).toBe(
      [
        `[T] WARN (${one}): file.warning`,
        '    issue: "a key the toy does not know"',
        `[T] INFO (${one}): toy.ready`,
        `    eventPid: ${one}`,
        `    file: "${file}"`,
        `    pidFile: "${join(dir, 'toy.pid')}"`,
        '    answer: 42',
        `[T] WARN (${two}): file.warning`,
        '    issue: "a key the toy does not know"',
        `[T] INFO (${two}): toy.running`,
        `    eventPid: ${one}`,
        `    pidFile: "${join(dir, 'toy.pid')}"`,
        '    note: "another dpd-toyd holds the pid file; nothing done"',
        '',
      ].join('\n'),
    );
  });
});

/** The pid of the last line's writer. */
const lastWriter = (log: string) => (JSON.parse(log.trim().split('\n').at(-1)!) as { pid: number }).pid;
