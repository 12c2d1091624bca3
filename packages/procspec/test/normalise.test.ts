import { describe, expect, it } from 'vitest';
import { KINDS, normalise, toSpec, validate, type Proc } from '@diprocd/procspec';
import { proc } from './helpers.js';

const normal = (input: Record<string, unknown>): Proc => {
  const result = validate('proc', input);
  expect(result.issues).toEqual([]);
  return result.value!;
};

describe('normalise', () => {
  it('fills every default of a minimal process', () => {
    expect(normal(proc())).toEqual({
      name: 'web',
      run: '/bin/sleep',
      args: [],
      env: {},
      cwd: '/',
      umask: 0o077,
      user: null,
      group: null,
      groups: null,
      chroot: null,
      rlimits: {},
      pid_file: null,
      write_pid: true,
      daemon: false,
      logs: null,
      log_timestamps: false,
      log_max_size: null,
      log_keep: 5,
      log_pipe: null,
      log_pipe_as: null,
      log_stderr: true,
      restart: 'always',
      restart_limit: { starts: 5, within: 60_000 },
      backoff: { initial: 100, max: 30_000 },
      min_uptime: 1_000,
      success_delay: 0,
      stop_signal: 'SIGTERM',
      stop_timeout: 10_000,
      timeout: null,
      load: null,
      depends: [],
    } satisfies Proc);
  });

  it('gives true and "always" the same policy, false and "never" too', () => {
    expect(normal(proc({ restart: true }))).toEqual(normal(proc({ restart: 'always' })));
    expect(normal(proc({ restart: false })).restart).toBe('never');
    expect(normal(proc({ restart: 'never' })).restart).toBe('never');
  });

  it('turns durations into milliseconds, sizes into bytes and signals into SIG names', () => {
    const p = normal(
      proc({
        stop_timeout: '1m30s',
        timeout: 2,
        min_uptime: '250ms',
        log_max_size: '10M',
        logs: '/tmp/a.log',
        stop_signal: 'INT',
      }),
    );
    expect([p.stop_timeout, p.timeout, p.min_uptime, p.log_max_size, p.stop_signal]).toEqual([
      90_000,
      2_000,
      250,
      10_485_760,
      'SIGINT',
    ]);
  });

  it('resolves relative paths from "/" and treats chroot "/" as none', () => {
    const p = normal(proc({ cwd: '.', pid_file: 'run/web.pid', logs: 'web.log', chroot: '/' }));
    expect([p.cwd, p.pid_file, p.logs, p.chroot]).toEqual(['/', '/run/web.pid', '/web.log', null]);
  });

  it('defaults write_pid to false for a forking daemon', () => {
    expect(normal(proc({ daemon: true, pid_file: '/run/d.pid' })).write_pid).toBe(false);
  });

  it('makes env values strings, log_pipe and rlimits uniform, resume_below half of pause_above', () => {
    const p = normal(
      proc({
        env: { PORT: 8080, DEBUG: true },
        log_pipe: 'logger -t web',
        rlimits: { nofile: 1024, core: 'unlimited', nproc: { soft: 10, hard: 20 } },
        load: { pause_above: 4 },
        umask: '022',
      }),
    );
    expect(p.env).toEqual({ PORT: '8080', DEBUG: 'true' });
    expect(p.log_pipe).toEqual(['/bin/sh', '-c', 'logger -t web']);
    expect(p.rlimits).toEqual({
      core: { soft: 'unlimited', hard: 'unlimited' },
      nofile: { soft: 1024, hard: 1024 },
      nproc: { soft: 10, hard: 20 },
    });
    expect(p.load).toEqual({ pause_above: 4, resume_below: 2, source: 'loadavg1', interval: 1000 });
    expect(p.umask).toBe(0o022);
  });

  it('expands %H in node_name to the host name', () => {
    const client = { master_stats: 'tcp://127.0.0.1:1', master_updates: 'tcp://127.0.0.1:2', conf_file: 'w.json' };
    expect(validate('client', { ...client, node_name: '%H' }, { hostname: 'box7' }).value?.node_name).toBe('box7');
    expect(validate('client', { ...client, node_name: 'web-%H' }, { hostname: 'box7' }).value?.node_name).toBe(
      'web-box7',
    );
    expect(validate('client', client, { hostname: 'box7' }).value).toMatchObject({
      node_name: 'box7',
      conf_file: '/w.json',
      pid_file: null,
    });
  });

  it('names listed download URLs by their basename and makes cmd an argv', () => {
    const job = validate('job', {
      cmd: 'python -m app $APP_SETTINGS',
      download_urls: ['https://h.invalid/x/data.json', 'file:///srv/a%20b.txt'],
    }).value!;
    expect(job.cmd).toEqual(['/bin/sh', '-c', 'python -m app $APP_SETTINGS']);
    expect(job.download_urls).toEqual({
      'data.json': 'https://h.invalid/x/data.json',
      'a b.txt': 'file:///srv/a%20b.txt',
    });
  });

  it('round-trips through toSpec for every kind', () => {
    const full = proc({
      timeout: '1500ms',
      load: { pause_above: 3, interval: '2s' },
      rlimits: { nofile: 10, core: { soft: 0, hard: 'unlimited' } },
      user: '0',
      groups: ['adm', 4],
      log_pipe: 'logger',
      restart: false,
    });
    const values = {
      proc: full,
      worker: { procs: [full, proc({ name: 'b' })], stop_on_exit: true, state_dir: 'state' },
      master: { master_stats: 'tcp://127.0.0.1:1', master_updates: 'tcp://127.0.0.1:2', nodes: { n1: [full], n2: [] } },
      client: {
        master_stats: 'tcp://127.0.0.1:1',
        master_updates: 'tcp://127.0.0.1:2',
        conf_file: 'w.json',
        node_name: 'web-%H',
      },
      job: {
        cmd: ['a'],
        timeout: 5,
        config: { db: { url: 'x' } },
        download_urls: ['https://h.invalid/x/data.json'],
        env: { N: 1 },
      },
    } as const;
    for (const kind of KINDS) {
      const once = validate(kind, values[kind], { hostname: 'box7' }).value!;
      expect(once, kind).toBeDefined();
      expect(normalise(kind, toSpec(kind, once), { hostname: 'box7' }), kind).toEqual(once);
    }
  });

  it('normalises a numeric user or group written as text to the number', () => {
    // user: "0" and user: 0 are both root; written differently they must not count as a change.
    const text = normal(proc({ user: '0', group: '0050', groups: ['4', 'adm'] }));
    const numbers = normal(proc({ user: 0, group: 50, groups: [4, 'adm'] }));
    expect([text.user, text.group, text.groups]).toEqual([0, 50, [4, 'adm']]);
    expect(text).toEqual(numbers);
  });
});
