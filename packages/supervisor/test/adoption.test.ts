// Surviving its own restart: a new supervisor on the same state directory
// adopts what is still running, and nothing runs twice.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Supervisor } from '@diprocd/supervisor';
import { Sandbox, alive, program, readPid, spec, waitFor } from './helpers.js';

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(async () => {
  await box.cleanup();
});

/**
 * Pids of live process-group leaders whose command line mentions `marker`:
 * the supervised processes. (A shell's child between fork and exec still
 * shows the shell's command line, but it leads no group.)
 */
function running(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        const pgid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2];
        return pgid === pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) && alive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const pids = (sup: Supervisor) => Object.fromEntries(sup.status().map((s) => [s.name, s.pid]));
// exit-with.sh CODE SECONDS, with the sandbox path as a marker in its argv.
/** The last journal line for `name`: the record a new supervisor would adopt from. */
function lastRecord(name: string): {
  version: number;
  name: string;
  record: { pid: number; startTime: string } & Record<string, unknown>;
} {
  const lines = readFileSync(box.path('state', 'records.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return lines.filter((entry) => entry.name === name).at(-1);
}

const sleeper = (name: string) => spec({ name, run: program('exit-with.sh'), args: ['0', '100000', box.dir] });

describe('adoption', () => {
  it('adopts every live process after the supervisor is dropped and recreated: none restarted, none duplicated', async () => {
    const list = [sleeper('a'), sleeper('b'), sleeper('c')];
    const first = box.supervisor();
    await first.apply(list);
    const before = pids(first);
    await first.close();
    expect(running(box.dir).sort()).toEqual(Object.values(before).sort());

    const second = box.supervisor();
    expect(await second.apply(list)).toEqual({
      started: [],
      stopped: [],
      restarted: [],
      updated: [],
      unchanged: [],
      adopted: ['a', 'b', 'c'],
      warnings: [],
    });
    expect(pids(second)).toEqual(before);
    expect(second.status().map((s) => [s.state, s.adopted])).toEqual(Array(3).fill(['running', 'state']));
    expect(running(box.dir)).toHaveLength(3);
    expect(box.seen('proc.start')).toHaveLength(3); // the first supervisor's starts only
  });

  it('watches an adopted process, reports its exit (code unknown) and restarts it', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a')]);
    await first.close();
    const second = box.supervisor();
    await second.apply([sleeper('a')]);
    const adoptedPid = pids(second).a!;

    process.kill(adoptedPid, 'SIGKILL');
    await waitFor('a restart', () => second.status()[0]!.pid !== adoptedPid && second.status()[0]!.state === 'running');
    expect(box.seen('proc.exit', 'a').at(-1)).toMatchObject({ pid: adoptedPid, code: null, signal: null });
    expect(running(box.dir)).toHaveLength(1);
  });

  it('restarts an adopted process whose spec changed, and stops one no longer wanted', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('keep'), sleeper('change'), sleeper('drop')]);
    const before = pids(first);
    await first.close();

    const second = box.supervisor();
    const changed = spec({ name: 'change', run: program('exit-with.sh'), args: ['0', '99999', box.dir] });
    const result = await second.apply([sleeper('keep'), changed]);
    expect(result).toEqual({
      started: [],
      stopped: ['drop'],
      restarted: ['change'],
      updated: [],
      unchanged: [],
      adopted: ['keep', 'change', 'drop'],
      warnings: [],
    });
    expect(pids(second).keep).toBe(before.keep);
    expect(pids(second).change).not.toBe(before.change);
    expect(alive(before.drop!)).toBe(false);
    expect(alive(before.change!)).toBe(false);
  });

  it('does not adopt a reused pid: the recorded start time does not match', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a')]);
    await first.close();
    // Point the record at another live process, as if the pid had been reused.
    // Start times count 10 ms ticks: the stranger must start in a later one.
    const state = lastRecord('a');
    const uptimeTicks = () => Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 100);
    await waitFor('a clock tick after the original start', () => uptimeTicks() > Number(state.record.startTime) + 1);
    const stranger = spawn(program('forever.sh'), [], { detached: true, stdio: 'ignore' });
    const original = state.record.pid;
    state.record.pid = stranger.pid!;
    appendFileSync(box.path('state', 'records.jsonl'), `${JSON.stringify(state)}\n`); // the last line wins
    try {
      const second = box.supervisor();
      const result = await second.apply([sleeper('a')]);
      expect(result.adopted).toEqual([]);
      expect(result.started).toEqual(['a']);
      expect(pids(second).a).not.toBe(stranger.pid);
      expect(alive(stranger.pid!)).toBe(true);
    } finally {
      process.kill(-stranger.pid!, 'SIGKILL');
      process.kill(-original, 'SIGKILL'); // the group: exit-with.sh's sleep too
    }
  });

  it('adopts a live, matching process named by a pid file left by an earlier run', async () => {
    const pidFile = box.path('left.pid');
    const orphan = spawn(program('exit-with.sh'), ['0', '100000', box.dir], { detached: true, stdio: 'ignore' });
    writeFileSync(pidFile, `${orphan.pid}\n`);
    const sup = box.supervisor();
    const result = await sup.apply([
      spec({ name: 'left', run: program('exit-with.sh'), args: ['0', '100000', box.dir], pid_file: pidFile }),
    ]);
    expect(result.adopted).toEqual(['left']);
    expect(sup.status()[0]).toMatchObject({ pid: orphan.pid, state: 'running', adopted: 'pid_file' });
    await sup.stop('left');
    await waitFor('the orphan to be stopped', () => !alive(orphan.pid!));
  });

  it('does not adopt a pid file naming a process that runs something else', async () => {
    const pidFile = box.path('other.pid');
    const other = spawn(program('forever.sh'), [], { detached: true, stdio: 'ignore' });
    writeFileSync(pidFile, `${other.pid}\n`);
    try {
      const sup = box.supervisor();
      const result = await sup.apply([
        spec({ name: 'x', run: program('exit-with.sh'), args: ['0', '100000', box.dir], pid_file: pidFile }),
      ]);
      expect(result.adopted).toEqual([]);
      expect(readPid(pidFile)).toBe(sup.status()[0]!.pid);
    } finally {
      process.kill(-other.pid!, 'SIGKILL');
    }
  });

  it('keeps no environment value in its state records (secrets stay off the disk)', async () => {
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'a', env: { SMTP_PASSWD: 'hunter2-secret' } })]);
    const { pid } = sup.status()[0]!;
    await sup.close(); // writes the records, leaves the process running
    process.kill(-pid!, 'SIGKILL');
    expect(readFileSync(box.path('state', 'records.jsonl'), 'utf8')).not.toContain('hunter2-secret');
    expect(lastRecord('a').record).toMatchObject({
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      stop: { name: 'a', stop_signal: 'SIGTERM' },
    });
  });

  it('refuses a second supervisor on a state directory in use', () => {
    box.supervisor();
    expect(() => box.supervisor()).toThrow(expect.objectContaining({ code: 'DPD_STATE_DIR' }));
  });
});

describe('the state journal', () => {
  const journal = () => box.path('state', 'records.jsonl');

  it('ignores a line torn by a crash, and adopts from the lines before it', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a'), sleeper('b')]);
    const before = pids(first);
    await first.close();
    appendFileSync(journal(), '{"version":3,"name":"b","record":nul'); // cut mid-write
    const second = box.supervisor();
    const result = await second.apply([sleeper('a'), sleeper('b')]);
    expect(result.adopted.sort()).toEqual(['a', 'b']);
    expect(pids(second)).toEqual(before);
    // Rewritten at start-up: the torn line is gone.
    expect(
      readFileSync(journal(), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).name)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('stays bounded: rewritten once it holds several times the live records', async () => {
    const sup = box.supervisor();
    await sup.apply([spec({ name: 'a', restart_limit: { starts: 1000, within: '1s' }, min_uptime: 0 })]);
    for (let i = 0; i < 300; i++) {
      const { pid } = sup.status()[0]!;
      process.kill(pid!, 'SIGKILL');
      await waitFor('the restart', () => sup.status()[0]!.state === 'running' && sup.status()[0]!.pid !== pid);
    }
    await sup.close({ stopProcesses: true });
    expect(readFileSync(journal(), 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(256);
  }, 60_000);

  it('is not touched by a second supervisor that is refused the directory', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a')]);
    expect(() => box.supervisor()).toThrow(expect.objectContaining({ code: 'DPD_STATE_DIR' }));
    await first.apply([sleeper('a'), sleeper('b')]);
    const before = pids(first);
    await first.close();
    // Had the refused one rewritten the journal, the first's later lines would have gone to a deleted file.
    expect(lastRecord('b').record.pid).toBe(before.b);
    // And the next supervisor adopts both (its cleanup stops them).
    const next = box.supervisor();
    expect((await next.apply([sleeper('a'), sleeper('b')])).adopted.sort()).toEqual(['a', 'b']);
  });

  it('reads no record of the previous version once the journal exists (a leftover cannot come back)', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a')]);
    await first.close({ stopProcesses: true });
    // A stale one-file record naming a live process that runs what the spec asks.
    const stranger = spawn(program('exit-with.sh'), ['0', '100000', box.dir], { detached: true, stdio: 'ignore' });
    try {
      const startTime = await waitFor('its start time', () => {
        const stat = readFileSync(`/proc/${stranger.pid}/stat`, 'latin1');
        return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      });
      const record = {
        pid: stranger.pid,
        startTime,
        startedAt: Date.now(),
        restarts: 0,
        digest: 'x',
        stop: {
          name: 'ghost',
          stop_signal: 'SIGTERM',
          stop_timeout: 2000,
          pid_file: null,
          write_pid: false,
          daemon: false,
        },
      };
      mkdirSync(box.path('state', 'procs'));
      writeFileSync(box.path('state', 'procs', 'ghost.json'), JSON.stringify({ version: 2, name: 'ghost', record }));
      const second = box.supervisor();
      const result = await second.apply([sleeper('ghost')]);
      expect(result.adopted).toEqual([]);
      expect(pids(second).ghost).not.toBe(stranger.pid);
    } finally {
      process.kill(-stranger.pid!, 'SIGKILL');
    }
  });

  it('adopts from the one-file-per-process records of the previous version, and folds them in', async () => {
    const first = box.supervisor();
    await first.apply([sleeper('a')]);
    const before = pids(first);
    await first.close();
    const { name, record } = lastRecord('a');
    mkdirSync(box.path('state', 'procs'));
    writeFileSync(box.path('state', 'procs', 'a.json'), JSON.stringify({ version: 2, name, record }));
    rmSync(journal());
    const second = box.supervisor();
    expect((await second.apply([sleeper('a')])).adopted).toEqual(['a']);
    expect(pids(second)).toEqual(before);
    expect(existsSync(box.path('state', 'procs'))).toBe(false);
    expect(lastRecord('a').record.pid).toBe(before.a);
  });
});

describe('forking daemons', () => {
  it('learns the pid from pid_file, watches it, restarts it when it dies, and stops it', async () => {
    const pidFile = box.path('daemon.pid');
    const sup = box.supervisor();
    await sup.apply([
      spec({ name: 'd', run: program('forking-daemon.sh'), args: [pidFile], daemon: true, pid_file: pidFile }),
    ]);
    const first = sup.status()[0]!;
    expect(first.state).toBe('running');
    expect(first.pid).toBe(readPid(pidFile));
    expect(alive(first.pid!)).toBe(true);

    process.kill(first.pid!, 'SIGKILL');
    await waitFor(
      'the daemon restarted',
      () => sup.status()[0]!.state === 'running' && sup.status()[0]!.pid !== first.pid,
    );
    const second = sup.status()[0]!.pid!;
    expect(readPid(pidFile)).toBe(second);

    await sup.stop('d');
    expect(alive(second)).toBe(false);
  });

  it('fails when the daemon never writes its pid file', async () => {
    const sup = box.supervisor({ daemonPidTimeoutMs: 300 });
    await sup.apply([
      spec({
        name: 'mute',
        run: program('exit-with.sh'),
        args: ['0'],
        daemon: true,
        pid_file: box.path('never.pid'),
        restart: 'never',
      }),
    ]);
    expect(sup.status()[0]).toMatchObject({
      state: 'failed',
      reason: `daemon did not write a live pid to ${box.path('never.pid')} within 300 ms`,
    });
  });
});
