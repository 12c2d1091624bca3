import { describe, expect, it } from 'vitest';
import { detectKind, urlBasename, validate, validateText, type Issue } from '@diprocd/procspec';
import { nested } from './arbitraries.js';
import { proc } from './helpers.js';

const worker = (...procs: unknown[]) => ({ procs });
const lines = (issues: Issue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.path}: ${i.message}`);

describe('validate', () => {
  it('names path, expectation and finding for a wrong type', () => {
    const result = validate('worker', worker(proc(), proc({ name: 'b', args: 'foo' })));
    expect(result.valid).toBe(false);
    expect(result.value).toBeUndefined();
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_TYPE procs[1].args: expected an array of strings, found "foo"",
      ]
    `);
  });

  it('points inside arrays and nested objects', () => {
    const result = validate(
      'worker',
      worker(proc({ args: ['a', 1], restart_limit: { starts: 0, within: '1m' }, env: { 'A=B': 'x', OK: null } })),
    );
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_TYPE procs[0].args[1]: expected a string without NUL, found 1",
        "error DPD_SPEC_VALUE procs[0].env["A=B"]: key not allowed here; expected an environment variable name (no "=" or NUL)",
        "error DPD_SPEC_TYPE procs[0].env.OK: expected a string, number or boolean, found null",
        "error DPD_SPEC_VALUE procs[0].restart_limit.starts: expected an integer ≥ 1, found 0",
      ]
    `);
  });

  it('reports every missing required key of the root', () => {
    expect(lines(validate('client', {}).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_REQUIRED master_stats: required key is missing; expected a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"",
        "error DPD_SPEC_REQUIRED master_updates: required key is missing; expected a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"",
        "error DPD_SPEC_REQUIRED conf_file: required key is missing; expected a non-empty path without NUL",
      ]
    `);
  });

  it('reports a root of the wrong type at the empty path', () => {
    expect(validate('worker', [1, 2]).issues).toEqual([
      { severity: 'error', code: 'DPD_SPEC_TYPE', path: '', message: 'expected an object, found an array' },
    ]);
  });

  it('loads a file whose only problems are unknown keys, with a did-you-mean', () => {
    const result = validate('worker', { ...worker(proc({ restrat: false })), $schema: './worker.schema.json' });
    expect(result.valid).toBe(true);
    expect(result.value?.procs[0]?.restart).toBe('always');
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "warning DPD_SPEC_UNKNOWN_KEY procs[0].restrat: unknown key, ignored; did you mean "restart"?",
      ]
    `);
  });

  it('accepts the key the original ignored (depends) and the richer restart policies', () => {
    for (const restart of [true, false, 'always', 'on-failure', 'never']) {
      expect(validate('proc', proc({ restart, depends: [] })).valid).toBe(true);
    }
  });

  it('rejects resume_below above pause_above, and accepts it equal or absent', () => {
    expect(validate('proc', proc({ load: { pause_above: 2, resume_below: 3 } })).issues.map((i) => i.code)).toEqual([
      'DPD_SPEC_LOAD_ORDER',
    ]);
    expect(validate('proc', proc({ load: { pause_above: 2, resume_below: 2 } })).valid).toBe(true);
    expect(validate('proc', proc({ load: { pause_above: 2 } })).valid).toBe(true);
    expect(validate('proc', proc({ load: { pause_above: 0 } })).issues.map((i) => i.path)).toEqual([
      'load.pause_above',
    ]);
  });

  it('rejects backoff.initial above backoff.max, counting the default max', () => {
    const result = validate('proc', proc({ backoff: { initial: '1m' } }));
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_BACKOFF_ORDER backoff.initial: expected at most backoff.max (30000 ms, the default), found 60000 ms",
      ]
    `);
  });

  it('rejects logs with log_pipe, and a zero timeout', () => {
    const result = validate('proc', proc({ logs: '/tmp/x.log', log_pipe: 'logger', timeout: '0ms' }));
    expect(lines(result.issues)).toEqual([
      'error DPD_SPEC_DURATION timeout: expected a duration above 0, found "0ms"',
      'error DPD_SPEC_CONFLICT log_pipe: log_pipe cannot be used with logs; choose one destination for the output',
    ]);
  });

  it('rejects log_pipe_as without log_pipe, and normalises it with log_stderr and success_delay', () => {
    expect(lines(validate('proc', proc({ log_pipe_as: { user: 'log' } })).issues)).toEqual([
      'error DPD_SPEC_CONFLICT log_pipe_as: log_pipe_as names who runs the log_pipe command, but there is no log_pipe',
    ]);
    expect(
      validate(
        'proc',
        proc({
          log_pipe: ['cat'],
          log_pipe_as: { user: '0', groups: ['adm', 4] },
          log_stderr: false,
          success_delay: '2m',
        }),
      ).value,
    ).toMatchObject({
      log_pipe_as: { user: 0, group: null, groups: ['adm', 4] },
      log_stderr: false,
      success_delay: 120_000,
    });
  });

  it('checks depends per node in a master file', () => {
    const master = {
      master_stats: 'tcp://127.0.0.1:5001',
      master_updates: 'tcp://127.0.0.1:5002',
      nodes: { node1: [proc({ name: 'db' })], node2: [proc({ depends: ['db'] })] },
    };
    expect(lines(validate('master', master).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_DEPENDENCY nodes.node2[0].depends[0]: expected the name of a process in this list, found "db"",
      ]
    `);
  });

  it('refuses a kind it does not know, as a programming error', () => {
    expect(() => validate('nonsense' as 'proc', {})).toThrow(/unknown kind "nonsense"/);
  });
});

describe('detectKind', () => {
  it('tells each kind from its keys', () => {
    expect(detectKind({ procs: [] })).toBe('worker');
    expect(detectKind({ nodes: {} })).toBe('master');
    expect(detectKind({ conf_file: 'x' })).toBe('client');
    expect(detectKind({ node_name: '%H' })).toBe('client');
    expect(detectKind({ cmd: 'true' })).toBe('job');
    expect(detectKind({ run: '/bin/true' })).toBe('proc');
    expect(detectKind({})).toBeUndefined();
    expect(detectKind([])).toBeUndefined();
    expect(detectKind('procs')).toBeUndefined();
  });
});

describe('validate, on the bugs a review found', () => {
  const job = (overrides: Record<string, unknown>) => ({ cmd: 'true', ...overrides });

  it('keeps listed download URLs inside the job directory (path traversal through %2F)', () => {
    // Regression: urlBasename decoded after taking the last segment, so "..%2F..%2Fetc%2Fpasswd" gave
    // "../../etc/passwd".
    const urls = [
      'http://h.invalid/..%2F..%2Fetc%2Fpasswd',
      'http://h.invalid/a%00b',
      'http://h.invalid/x/%2E',
      'http://h.invalid/x/..',
      'http://h.invalid/ok%20name',
    ];
    expect(
      lines(validate('job', job({ download_urls: urls })).issues).map((line) => line.slice(0, line.indexOf(':'))),
    ).toEqual([
      'error DPD_SPEC_URL download_urls[0]',
      'error DPD_SPEC_URL download_urls[1]',
      'error DPD_SPEC_URL download_urls[2]',
      'error DPD_SPEC_URL download_urls[3]',
    ]);
    expect(urlBasename('http://h.invalid/..%2F..%2Fetc%2Fpasswd')).toBeUndefined();
    expect(urlBasename('http://h.invalid/ok%20name')).toBe('ok name');
  });

  it('rejects ".", ".." and NUL as file names in the object form', () => {
    const result = validate(
      'job',
      job({
        download_urls: {
          '.': 'http://h.invalid/a',
          '..': 'http://h.invalid/b',
          'a\u0000': 'http://h.invalid/c',
          'ok.txt': 'http://h.invalid/d',
        },
      }),
    );
    expect(lines(result.issues)).toEqual(
      ['.', '..', 'a\u0000'].map(
        (key) =>
          `error DPD_SPEC_VALUE download_urls[${JSON.stringify(key)}]: key not allowed here; expected a file name (not "." or "..", without "/" or NUL)`,
      ),
    );
  });

  it('reports an unparseable listed URL once', () => {
    expect(lines(validate('job', job({ download_urls: ['not a url', 'http://[x/a'] })).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_URL download_urls[0]: expected an http, https or file URL, found "not a url"",
        "error DPD_SPEC_URL download_urls[1]: expected a URL whose last path segment, %-decoded, is a file name (not "." or "..", without "/" or NUL), found "http://[x/a"",
      ]
    `);
  });

  it('rejects a config nested deeper than 64 levels instead of throwing (structuredClone RangeError)', () => {
    // Regression: a config nested ~5000 deep made structuredClone throw RangeError.
    const deep = nested(5_000, (inner) => ({ a: inner }));
    expect(lines(validate('job', job({ config: deep as object })).issues)).toEqual([
      'error DPD_SPEC_VALUE config: expected an object nested at most 64 levels deep, found one nested deeper',
    ]);
    expect(validate('job', job({ config: nested(64, (inner) => ({ a: inner })) as object })).valid).toBe(true);
    expect(validate('job', job({ config: nested(65, (inner) => ({ a: inner })) as object })).valid).toBe(false);
  });

  it('walks a depends chain of 7000 processes without overflowing the stack (recursive findCycles)', () => {
    // Regression: the recursive cycle search threw RangeError on a long chain.
    const procs: Record<string, unknown>[] = Array.from({ length: 7_000 }, (_, i) =>
      proc({ name: `p${i}`, depends: i + 1 < 7_000 ? [`p${i + 1}`] : [] }),
    );
    expect(validate('worker', { procs }).valid).toBe(true);
    procs[6_999]!.depends = ['p0'];
    const issues = validate('worker', { procs }).issues;
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual(['DPD_SPEC_DEPENDENCY_CYCLE procs[0].depends']);
    expect(issues[0]!.message.endsWith('p6998 → p6999 → p0')).toBe(true);
  });

  it('reports a wrong container type as DPD_SPEC_TYPE, not the code of its contents', () => {
    const master = { master_stats: 'tcp://127.0.0.1:1', master_updates: 'tcp://127.0.0.1:2', nodes: [] };
    expect(lines([...validate('proc', proc({ rlimits: [] })).issues, ...validate('master', master).issues])).toEqual([
      'error DPD_SPEC_TYPE rlimits: expected an object of resource limits, found an empty array',
      'error DPD_SPEC_TYPE nodes: expected an object of node name → process list, found an empty array',
    ]);
  });

  it('says what a non-empty list, an integer range and an env value need', () => {
    const result = validate('proc', proc({ log_pipe: [], restart_limit: { starts: 0.5 }, env: { A: [] } }));
    expect(lines(result.issues)).toEqual([
      'error DPD_SPEC_TYPE env.A: expected a string, number or boolean, found an empty array',
      'error DPD_SPEC_VALUE log_pipe: expected a non-empty array of strings, found an empty array',
      'error DPD_SPEC_TYPE restart_limit.starts: expected an integer ≥ 1, found 0.5',
    ]);
  });

  it('checks durations and sizes by parsing them, within their limits', () => {
    // Regression: "0" and "0k" matched the size pattern but normalised to undefined; huge values became Infinity.
    const result = validate(
      'proc',
      proc({
        logs: '/x.log',
        log_max_size: '0k',
        min_uptime: 1e308,
        stop_timeout: '99999999999w',
        backoff: { max: 0 },
      }),
    );
    expect(lines(result.issues)).toEqual([
      'error DPD_SPEC_SIZE log_max_size: expected a size above 0 such as 1048576 or "512k", "10M", "1G", found "0k"',
      'error DPD_SPEC_DURATION backoff.max: expected a duration above 0, found 0',
      'error DPD_SPEC_DURATION min_uptime: expected a duration of at most 365 days, found 1e+308',
      'error DPD_SPEC_DURATION stop_timeout: expected a duration of at most 365 days, found "99999999999w"',
    ]);
    expect(validate('proc', proc({ logs: '/x.log', log_max_size: 2 ** 50 + 1 })).issues.map((i) => i.message)).toEqual([
      'expected a size of at most 2^50 bytes ("1048576G"), found 1125899906842625',
    ]);
    expect(
      validate('proc', proc({ min_uptime: '365d', log_max_size: '1048576G', logs: '/x.log' })).value,
    ).toMatchObject({ min_uptime: 31_536_000_000, log_max_size: 2 ** 50 });
  });

  it('needs a positive duration wherever zero makes no sense', () => {
    const zero = {
      load: { pause_above: 1, interval: 0 },
      restart_limit: { within: '0s' },
      backoff: { max: '0ms' },
      timeout: 0,
    };
    expect(lines(validate('proc', proc(zero)).issues).map((line) => line.split(':')[0])).toEqual([
      'error DPD_SPEC_DURATION restart_limit.within',
      'error DPD_SPEC_DURATION backoff.max',
      'error DPD_SPEC_DURATION timeout',
      'error DPD_SPEC_DURATION load.interval',
    ]);
    expect(lines(validate('job', job({ timeout: '0s' })).issues)).toEqual([
      'error DPD_SPEC_DURATION timeout: expected a duration above 0, found "0s"',
    ]);
    expect(validate('proc', proc({ min_uptime: 0, stop_timeout: '0s', backoff: { initial: 0 } })).valid).toBe(true);
  });

  it('checks a client node_name: node-name characters and %H', () => {
    const client = (node_name: string) => ({
      master_stats: 'tcp://127.0.0.1:1',
      master_updates: 'tcp://127.0.0.1:2',
      conf_file: 'w.json',
      node_name,
    });
    for (const good of ['%H', 'web-%H', 'node1', 'a.b@c:d+e'])
      expect(validate('client', client(good)).issues).toEqual([]);
    expect(lines(validate('client', client('bad node')).issues)).toEqual([
      'error DPD_SPEC_NAME node_name: expected a node name of letters, digits and _ . @ : + - (not starting with "."), where "%H" stands for the host name, found "bad node"',
    ]);
    expect(validate('client', client('')).valid).toBe(false);
    expect(validate('client', client('.%H')).valid).toBe(false);
  });

  it("refuses root as a node's default job user, and normalises the job keys of client, master and job", () => {
    const client = { master_stats: 'tcp://127.0.0.1:1', master_updates: 'tcp://127.0.0.1:2', conf_file: 'w.json' };
    // Bug: "0" and "00" passed, and ran every job as root.
    for (const root of ['root', 0, '0', '00']) {
      expect(lines(validate('client', { ...client, job_user: root }).issues)).toEqual([
        `error DPD_SPEC_VALUE job_user: expected a user other than root (a job runs as root only when it asks for user "root" and the master file sets jobs_allow_root), found ${JSON.stringify(root)}`,
      ]);
    }
    expect(validate('client', client).value).toMatchObject({
      job_user: null,
      job_file_dirs: [],
      job_download_max_size: 1024 ** 3,
    });
    expect(
      validate('client', { ...client, job_user: 'builder', job_file_dirs: ['/srv/in'], job_download_max_size: '10M' })
        .value,
    ).toMatchObject({ job_user: 'builder', job_file_dirs: ['/srv/in'], job_download_max_size: 10 * 1024 ** 2 });
    expect(lines(validate('client', { ...client, job_download_max_size: 0 }).issues)[0]).toMatch(
      /^error DPD_SPEC_SIZE job_download_max_size: /,
    );
    const master = { master_stats: 'tcp://127.0.0.1:1', master_updates: 'tcp://127.0.0.1:2', nodes: {} };
    expect(validate('master', master).value).toMatchObject({ jobs_allow_root: false, job_users: [] });
    expect(validate('job', { cmd: 'true' }).value?.user).toBeNull();
    expect(validate('job', { cmd: 'true', user: 'x y' }).valid).toBe(false);
  });

  it('lets restart_limit give either key alone', () => {
    expect(validate('proc', proc({ restart_limit: {} })).value?.restart_limit).toEqual({ starts: 5, within: 60_000 });
    expect(validate('proc', proc({ restart_limit: { starts: 3 } })).value?.restart_limit).toEqual({
      starts: 3,
      within: 60_000,
    });
    expect(validate('proc', proc({ restart_limit: { within: '5m' } })).value?.restart_limit).toEqual({
      starts: 5,
      within: 300_000,
    });
  });

  it('accepts any process name but empty, "/", NUL, control characters, a leading "." or more than 128 characters', () => {
    for (const good of ['has space', 'web server (2)', 'ü-worker', 'a.b', 'x..', 'x'.repeat(128)])
      expect(validate('proc', proc({ name: good })).issues).toEqual([]);
    for (const bad of ['', 'a/b', 'a\u0000b', 'tab\there', 'line\nbreak', '.hidden', '..', 'x'.repeat(129)]) {
      expect(validate('proc', proc({ name: bad })).issues.map((i) => i.code)).toEqual(['DPD_SPEC_NAME']);
    }
  });

  it('forbids NUL in every string that reaches exec or the file system', () => {
    const nul = 'a\u0000b';
    const spec = proc({
      run: nul,
      args: [nul],
      env: { [nul]: 'x', B: nul },
      cwd: nul,
      chroot: `/${nul}`,
      pid_file: nul,
      log_pipe: [nul],
    });
    expect(validate('proc', spec).issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'DPD_SPEC_VALUE run',
      'DPD_SPEC_VALUE args[0]',
      'DPD_SPEC_VALUE env["a\\u0000b"]',
      'DPD_SPEC_VALUE env.B',
      'DPD_SPEC_VALUE cwd',
      'DPD_SPEC_VALUE chroot',
      'DPD_SPEC_VALUE pid_file',
      'DPD_SPEC_VALUE log_pipe[0]',
    ]);
    expect(validate('proc', proc({ logs: nul })).issues.map((i) => i.path)).toEqual(['logs']);
    expect(validate('job', job({ cmd: nul })).issues.map((i) => i.path)).toEqual(['cmd']);
    expect(validate('job', job({ cmd: ['x', nul] })).issues.map((i) => i.path)).toEqual(['cmd[1]']);
  });

  it('bounds uid, gid and rlimit values', () => {
    const ok = proc({
      user: 4_294_967_294,
      group: '4294967294',
      groups: ['0', 7],
      rlimits: { nofile: Number.MAX_SAFE_INTEGER },
    });
    expect(validate('proc', ok).issues).toEqual([]);
    const bad = proc({ user: 4_294_967_295, group: '4294967295', rlimits: { nofile: 2 ** 53 } });
    expect(validate('proc', bad).issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'DPD_SPEC_ACCOUNT user',
      'DPD_SPEC_ACCOUNT group',
      'DPD_SPEC_RLIMIT rlimits.nofile',
    ]);
  });
});

describe('validate on a large file', () => {
  it('reports every issue of 20 000 bad processes', () => {
    // Regression: errorCount() filtered every issue on every check, so this
    // took minutes (past the test timeout). Its speed is measured in
    // tools/bench/procspec.mjs, not asserted here.
    const procs = Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}`, run: 1, args: 'x' }));
    const { issues } = validate('worker', { procs });
    expect(issues).toHaveLength(40_000);
    expect(issues[39_999]).toMatchObject({ path: 'procs[19999].args', code: 'DPD_SPEC_TYPE' });
  });
});

describe('validate, re-checking a file after an edit', () => {
  const text = (...procs: unknown[]) => JSON.stringify(worker(...procs));

  it('checks each entry once per text: a valid entry keeps its object, an invalid one is reported every time and wherever it moves', () => {
    const a = proc({ name: 'a', args: ['1'] });
    const bad = proc({ name: 'bad', umask: 'nope' });
    const first = validateText('w.json', text(a, proc({ name: 'b' })), { kind: 'worker' });
    const second = validateText('w.json', text(proc({ name: 'c' }), a, proc({ name: 'b' })), { kind: 'worker' });
    expect(first.valid && second.valid).toBe(true);
    // The same entry text, the same normalised object (frozen: shared between files).
    expect(second.value!.procs[1]).toBe(first.value!.procs[0]);
    expect(Object.isFrozen(second.value!.procs[1]!.args)).toBe(true);
    for (const procs of [[bad], [a, bad], [a, proc({ name: 'd' }), bad]]) {
      const result = validateText('w.json', text(...procs), { kind: 'worker' });
      expect(result.valid).toBe(false);
      expect(result.issues.map((i) => `${i.code} ${i.path}`)).toEqual([
        `DPD_SPEC_UMASK procs[${procs.length - 1}].umask`,
      ]);
    }
  });

  it('still runs the checks across entries when every entry was seen before', () => {
    const a = proc({ name: 'a' });
    expect(validateText('w.json', text(a), { kind: 'worker' }).valid).toBe(true);
    const twice = validateText('w.json', text(a, a), { kind: 'worker' });
    expect(twice.issues.map((i) => `${i.code} ${i.path}`)).toEqual(['DPD_SPEC_DUPLICATE_NAME procs[1].name']);
    const dangling = proc({ name: 'x', depends: ['nobody'] });
    expect(validateText('w.json', text(dangling), { kind: 'worker' }).valid).toBe(false);
    expect(validateText('w.json', text(dangling), { kind: 'worker' }).issues.map((i) => i.code)).toEqual([
      'DPD_SPEC_DEPENDENCY',
    ]);
  });

  it('walks a value built in code every time: undefined is not what its JSON says', () => {
    expect(validateText('w.json', text(proc({ name: 'u' })), { kind: 'worker' }).valid).toBe(true);
    // The same JSON text, but a key set to undefined: invalid, memo or not.
    const result = validate('worker', worker({ ...proc({ name: 'u' }), user: undefined }));
    expect(result.valid).toBe(false);
  });
});
