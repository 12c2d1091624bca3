// Regressions from review: each test names the bug it guards.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, alive, program, readPid, spec, waitFor } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

describe('review regressions', () => {
  it('a stop while a forking daemon is still starting finishes, and kills the daemon once it shows up', async () => {
    // Bug: the stop signalled the (gone) launcher and waited for an exit that never came; the daemon ran on
    // unsupervised.
    const sup = box.supervisor();
    const pidFile = box.path('slow.pid');
    void sup.apply([
      spec({ name: 'd', run: program('slow-daemon.sh'), args: [pidFile, '0.5'], daemon: true, pid_file: pidFile }),
    ]);
    await waitFor('the daemon to be starting', () => sup.status()[0]?.state === 'starting');
    const stopped = await sup.stop('d');
    expect(stopped.state).toBe('stopped');
    const daemon = readPid(pidFile);
    expect(daemon === undefined || !alive(daemon)).toBe(true);
    await sup.close({ stopProcesses: true });
  });

  it('shows no pid and no uptime while backing off', async () => {
    // Bug: status() kept the dead run's pid, with a growing uptime.
    const sup = box.supervisor();
    await sup.apply([
      spec({ name: 'c', run: program('exit-with.sh'), args: ['1'], backoff: { initial: '5s', max: '5s' } }),
    ]);
    await waitFor('backoff', () => sup.status()[0]!.state === 'backoff');
    expect(sup.status()[0]).toMatchObject({ pid: null, uptimeMs: null, startedAt: null });
    await sup.stop('c');
    expect(box.seen('proc.stop', 'c')).toEqual([{ name: 'c' }]); // bug: no proc.stop when stopped from backoff
  });

  it('survives an event listener that throws, and reports it', async () => {
    // Bug: the exception escaped into the child's exit callback and left the process half-way through a transition.
    const sup = box.supervisor();
    sup.on('proc.state', () => {
      throw new Error('listener bug');
    });
    await sup.apply([spec({ name: 'a' })]);
    expect(sup.status()[0]!.state).toBe('running');
    expect(box.seen('proc.error').map((e) => [e.error.code, e.error.message])).toContainEqual([
      'DPD_LISTENER_FAILED',
      'a proc.state listener threw: listener bug',
    ]);
    await sup.stop('a');
    expect(sup.status()[0]!.state).toBe('stopped');
  });

  it('never signals the group of an adopted process that does not lead one (it may be ours)', async () => {
    // Bug: a pid-file-adopted child of this very process shared our group; its exit SIGKILLed the group, and the test
    // runner with it.
    const pidFile = box.path('ours.pid');
    const ours = spawn('/bin/sleep', ['100007'], { stdio: 'ignore' }); // not detached: our group
    writeFileSync(pidFile, `${ours.pid}\n`);
    const sup = box.supervisor();
    const result = await sup.apply([
      spec({ name: 'ours', run: '/bin/sleep', args: ['100007'], pid_file: pidFile, restart: 'never' }),
    ]);
    expect(result.adopted).toEqual(['ours']);
    expect(sup.status()[0]!.pgid).toBeNull();
    ours.kill('SIGKILL');
    await waitFor('the exit to be seen', () => sup.status()[0]!.state === 'failed');
    expect(alive(process.pid)).toBe(true); // still here
  });

  it('does not believe a daemon pid file naming a process that started before the launcher', async () => {
    // Bug: any live pid in the pid file was watched and, on stop, signalled.
    const pidFile = box.path('liar.pid');
    const victim = spawn(program('forever.sh'), [], { detached: true, stdio: 'ignore' });
    // Start times count 10 ms ticks: the launcher must start in a later one.
    const ticks = () => Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
    const victimStart = Number(readFileSync(`/proc/${victim.pid}/stat`, 'latin1').split(') ')[1]!.split(' ')[19]);
    await waitFor('a later clock tick', () => ticks() > victimStart + 1);
    try {
      const liar = `echo ${victim.pid} > ${pidFile}; exit 0`;
      const sup = box.supervisor({ daemonPidTimeoutMs: 300 });
      await sup.apply([
        spec({ name: 'liar', run: '/bin/sh', args: ['-c', liar], daemon: true, pid_file: pidFile, restart: 'never' }),
      ]);
      expect(sup.status()[0]).toMatchObject({ state: 'failed', pid: null });
      expect(alive(victim.pid!)).toBe(true);
    } finally {
      process.kill(-victim.pid!, 'SIGKILL');
    }
  });

  it('keeps timers running while many processes crash-loop (respawns wait a turn)', async () => {
    // Bug: respawning inside the exit callback starved the event loop with 20 processes exiting together.
    const sup = box.supervisor();
    const crashers = Array.from({ length: 20 }, (_, i) =>
      spec({ name: `c${i}`, run: '/bin/false', min_uptime: 0, restart_limit: { starts: 100_000, within: '1s' } }),
    );
    await sup.apply(crashers);
    let fired = false;
    setTimeout(() => (fired = true), 50);
    await waitFor('a 50 ms timer to fire during the crash loop', () => fired, 5_000);
    await sup.apply([]);
  });

  it('fails, with the reason, a program its user may not execute behind setpriv', async () => {
    // Bug: access was checked as root; setpriv then failed the exec and the process crash-looped with no reason.
    if (process.getuid!() !== 0) return void console.log('skipped: needs root to switch user');
    const locked = box.path('locked');
    mkdirSync(locked, { mode: 0o700 });
    copyFileSync('/bin/true', `${locked}/prog`);
    chmodSync(`${locked}/prog`, 0o755);
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'denied', run: `${locked}/prog`, user: 'nobody' })]);
    expect(sup.status()[0]).toMatchObject({
      state: 'spawn-failed',
      reason: `run ${locked}/prog: uid 65534 may not pass ${box.dir}`,
    });
  });
});

describe('umask', () => {
  it("is set in the child, never on the supervisor itself (it would leak into the host's files)", async () => {
    const box2 = new Sandbox();
    try {
      const sup = box2.supervisor();
      const out = box2.path('report');
      const before = readFileSync('/proc/self/status', 'latin1').match(/^Umask:\s+(\d+)$/m)![1];
      await sup.apply([spec({ name: 'r', run: program('report.sh'), args: [out], umask: '027' })]);
      const report = await waitFor('the report', () => existsSync(out) && readFileSync(out, 'utf8'));
      expect(report).toMatch(/^umask=0?027$/m);
      expect(report).toContain(`pid=${sup.status()[0]!.pid}\n`); // the wrapper exec'd in place
      expect(readFileSync('/proc/self/status', 'latin1').match(/^Umask:\s+(\d+)$/m)![1]).toBe(before);
    } finally {
      await box2.cleanup();
    }
  });
});
