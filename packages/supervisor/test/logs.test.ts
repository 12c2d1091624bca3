// Output: timestamps, rotation and log_pipe through a relay that outlives
// the process's restarts.
import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, program, spec, waitFor, readText } from './helpers.js';

let box: Sandbox;
let sup: Supervisor;
beforeEach(() => {
  box = new Sandbox();
  sup = box.supervisor();
});
afterEach(async () => {
  await box.cleanup();
});

describe('logs', () => {
  it('prefixes each line with a UTC timestamp when asked', async () => {
    const log = box.path('ts.log');
    await sup.apply([spec({ name: 'talk', run: program('talk.sh'), logs: log, log_timestamps: true })]);
    const text = await waitFor('two lines', () => readText(log).split('\n').length >= 3 && readText(log));
    const lines = text.trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z to std(out|err)$/);
    expect(lines.map((line) => line.slice(25)).sort()).toEqual(['to stderr', 'to stdout']);
  });

  it('rotates at log_max_size and keeps log_keep files', async () => {
    const log = box.path('rot', 'app.log');
    const lines =
      'i=0; while [ $i -lt 3000 ]; do echo "line $i of a rotating log"; i=$((i+1)); done; exec sleep 100000';
    await sup.apply([
      spec({ name: 'chatty', run: '/bin/sh', args: ['-c', lines], logs: log, log_max_size: '8k', log_keep: 2 }),
    ]);
    await waitFor('the last line', () => [log, `${log}.1`, `${log}.2`].some((f) => readText(f).includes('line 2999 ')));
    expect(readdirSync(box.path('rot')).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    for (const file of [`${log}.1`, `${log}.2`]) expect(statSync(file).size).toBeGreaterThanOrEqual(8192);
    expect(statSync(`${log}.1`).size).toBeLessThan(8192 + 64); // rotated right after the line that crossed the size
  });

  it('pipes output to log_pipe, whose input stays open across restarts of the process', async () => {
    const out = box.path('piped.log');
    const logCommand = `echo "log command $$ started" >> ${out}; exec cat >> ${out}`;
    await sup.apply([
      spec({
        name: 'flaky',
        run: '/bin/sh',
        args: ['-c', 'echo "run $$"; exec sleep 0.2'],
        log_pipe: logCommand,
        min_uptime: 0,
        restart_limit: { starts: 100, within: '60s' },
      }),
    ]);
    await waitFor('three runs in the log', () => (readText(out).match(/^run \d+$/gm) ?? []).length >= 3, 10_000);
    expect(readText(out).match(/^log command \d+ started$/gm)).toHaveLength(1); // one log command for every run
  });

  it('gives plain logs the file descriptor itself: output does not flow through the supervisor', async () => {
    const log = box.path('plain.log');
    await sup.apply([spec({ name: 'p', logs: log })]);
    expect(readlinkSync(`/proc/${sup.status()[0]!.pid}/fd/1`)).toBe(log);
  });
});

describe('stderr, the log command and its signals', () => {
  it('logs only stdout with log_stderr: false; stderr goes where unlogged output goes', async () => {
    const log = box.path('out.log');
    await sup.apply([spec({ name: 'talk', run: program('talk.sh'), logs: log, log_stderr: false })]);
    await waitFor('the stdout line', () => readText(log) === 'to stdout\n');
    expect(readlinkSync(`/proc/${sup.status()[0]!.pid}/fd/2`)).toBe('/dev/null');

    const inheriting = box.supervisor({ stateDir: box.path('state2'), unloggedOutput: 'inherit' });
    const specs = [
      spec({ name: 'talk2', run: program('talk.sh'), logs: box.path('out2.log'), log_stderr: false }),
      spec({ name: 'bare', run: program('talk.sh') }),
    ];
    await inheriting.apply(specs);
    const [talk, bare] = inheriting.status();
    expect(readlinkSync(`/proc/${talk!.pid}/fd/2`)).toBe(readlinkSync('/proc/self/fd/2'));
    expect([1, 2].map((fd) => readlinkSync(`/proc/${bare!.pid}/fd/${fd}`))).toEqual(
      [1, 2].map((fd) => readlinkSync(`/proc/self/fd/${fd}`)),
    );

    // A log command's own output goes there too (dpd-run -- cat prints on the terminal).
    await inheriting.apply([...specs, spec({ name: 'piped', log_pipe: ['/bin/cat'] })]);
    const [logCommand] = await waitFor(
      'the log command',
      () => box.seen('proc.log-start', 'piped').length === 1 && box.seen('proc.log-start', 'piped'),
    );
    expect([1, 2].map((fd) => readlinkSync(`/proc/${logCommand!.pid}/fd/${fd}`))).toEqual(
      [1, 2].map((fd) => readlinkSync(`/proc/self/fd/${fd}`)),
    );
  });

  it('reports the log command starting and ending, and signals it or the process on request', async () => {
    const out = box.path('signals.log');
    const trap = (what: string) =>
      `trap 'echo ${what} got USR1 >> ${out}' USR1; echo ${what} ready >> ${out}; while :; do sleep 0.05; done`;
    await sup.apply([
      spec({
        name: 'p',
        run: '/bin/sh',
        args: ['-c', trap('process')],
        log_pipe: ['/bin/sh', '-c', trap('log command')],
      }),
    ]);
    const [started] = await waitFor(
      'proc.log-start',
      () => box.seen('proc.log-start', 'p').length === 1 && box.seen('proc.log-start', 'p'),
    );
    await waitFor(
      'both traps to be set',
      () => readText(out).includes('process ready') && readText(out).includes('log command ready'),
    );
    expect(await sup.signal('p', 'SIGUSR1', 'log')).toBe(true);
    await waitFor('the log command to trap USR1', () => readText(out).includes('log command got USR1'));
    expect(await sup.signal('p', 'SIGUSR1')).toBe(true);
    await waitFor('the process to trap USR1', () => readText(out).includes('process got USR1'));
    await sup.apply([]);
    expect(await sup.signal('p', 'SIGUSR1').catch((error: { code: string }) => error.code)).toBe('DPD_UNKNOWN_PROCESS');
    process.kill(-started!.pid, 'SIGTERM'); // it never reads its input, so it would not see EOF
    const [ended] = await waitFor(
      'proc.log-exit',
      () => box.seen('proc.log-exit', 'p').length === 1 && box.seen('proc.log-exit', 'p'),
    );
    expect(ended).toMatchObject({ pid: started!.pid, code: null, signal: 'SIGTERM' });
  });

  it.runIf(process.getuid?.() === 0)('runs the log command as log_pipe_as says (as root)', async () => {
    await sup.apply([
      spec({ name: 'p', user: 0, log_pipe: ['/bin/cat'], log_pipe_as: { user: 'nobody', groups: [] } }),
    ]);
    const [started] = await waitFor(
      'proc.log-start',
      () => box.seen('proc.log-start', 'p').length === 1 && box.seen('proc.log-start', 'p'),
    );
    const ids = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1];
    // Regression (CI, uid read as 0): the log command's pid is first setpriv,
    // still root until it execs cat; read the identity once cat runs.
    await waitFor(
      'the log command to exec cat',
      () => readlinkSync(`/proc/${started!.pid}/exe`) === realpathSync('/bin/cat'),
    );
    expect([ids(sup.status()[0]!.pid!), ids(started!.pid)]).toEqual(['0', '65534']);
  });
});

describe('log relay regressions', () => {
  it('rotates with log_keep 0 without dying (and without killing the process by SIGPIPE)', async () => {
    // Bug: rotate() unlinked the file twice with keep 0; the relay threw and the process got SIGPIPE.
    const log = box.path('zero', 'app.log');
    const lines = 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; exec sleep 100000';
    await sup.apply([
      spec({ name: 'z', run: '/bin/sh', args: ['-c', lines], logs: log, log_max_size: '2k', log_keep: 0 }),
    ]);
    await waitFor('the last lines', () => readText(log).includes('line 1999'));
    expect(readdirSync(box.path('zero'))).toEqual(['app.log']);
    expect(sup.status()[0]).toMatchObject({ state: 'running', restarts: 0 });
  });
});
