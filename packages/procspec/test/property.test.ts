// Properties over generated input: validation never throws, the canonical
// form is a fixed point, and a list compared with itself is unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, ProcSchema, diffProcs, normalise, normaliseProc, procToSpec, toSpec, validate, type ProcInput } from '@diprocd/procspec';

const PROC_KEYS = Object.keys(ProcSchema.properties);

/** Objects with known keys (and some junk) holding any JSON: reaches deep into the walker. */
const procLike = fc.dictionary(fc.constantFrom(...PROC_KEYS, 'restrat', '$schema'), fc.jsonValue(), { maxKeys: 12 });
const fileLike = fc.record(
  {
    procs: fc.oneof(fc.array(procLike, { maxLength: 4 }), fc.jsonValue()),
    nodes: fc.oneof(fc.dictionary(fc.string(), fc.array(procLike, { maxLength: 3 })), fc.jsonValue()),
    cmd: fc.jsonValue(),
    download_urls: fc.oneof(fc.array(fc.webUrl()), fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    master_stats: fc.jsonValue(),
    conf_file: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const duration = fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0, max: 10_000, noNaN: true }), fc.constantFrom('500ms', '10s', '5m', '1h', '1d', '1m30s', '0.25s'));
const positiveDuration = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('1ms', '10s', '2h'));
const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const account = fc.oneof(fc.nat({ max: 65_535 }), fc.constantFrom('nobody', 'www-data', 'root', '_svc'));
const rlimit = fc.oneof(fc.nat(), fc.constant('unlimited' as const));

const validProc: fc.Arbitrary<ProcInput> = fc
  .record(
    {
      name,
      run: fc.constantFrom('/bin/sleep', 'sleep', '/usr/bin/env'),
      args: fc.array(fc.string(), { maxLength: 3 }),
      env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 3 }),
      cwd: fc.constantFrom('/', '.', 'srv/app', '/tmp/../var'),
      umask: fc.constantFrom('077', '022', '0027', '0'),
      user: account,
      group: account,
      groups: fc.array(account, { maxLength: 3 }),
      chroot: fc.constantFrom('/', '/srv/jail'),
      rlimits: fc.dictionary(fc.constantFrom('nofile', 'core', 'nproc', 'as'), rlimit, { maxKeys: 3 }),
      pid_file: fc.constantFrom('/run/x.pid', 'x.pid'),
      write_pid: fc.boolean(),
      logs: fc.constantFrom('/var/log/x.log', 'x.log'),
      log_timestamps: fc.boolean(),
      log_max_size: fc.oneof(fc.integer({ min: 1, max: 1e9 }), fc.constantFrom('10M', '512k', '1G')),
      log_keep: fc.nat({ max: 20 }),
      restart: fc.constantFrom(true, false, 'always', 'on-failure', 'never'),
      restart_limit: fc.record({ starts: fc.integer({ min: 1, max: 50 }), within: duration }),
      backoff: fc.record({ initial: fc.constant('100ms'), max: fc.constantFrom('1s', '30s', 60) }, { requiredKeys: [] }),
      min_uptime: duration,
      stop_signal: fc.constantFrom('TERM', 'SIGINT', 'SIGQUIT', 'HUP'),
      stop_timeout: duration,
      timeout: positiveDuration,
      load: fc.record({ pause_above: fc.double({ min: 0.5, max: 64, noNaN: true }), source: fc.constantFrom('loadavg1' as const, 'psi-cpu' as const), interval: positiveDuration }, { requiredKeys: ['pause_above'] }),
    },
    { requiredKeys: ['name', 'run'] },
  )
  .map((p) => ('logs' in p ? p : { ...p, log_pipe: ['logger', '-t', p.name] }) as ProcInput);

describe('properties', () => {
  it('validation never throws, on any JSON value, for any kind', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fileLike, procLike), fc.constantFrom(...KINDS), (value, kind) => {
        const result = validate(kind, value);
        expect(result.valid).toBe(!result.issues.some((issue) => issue.severity === 'error'));
        expect(result.value === undefined).toBe(!result.valid);
      }),
      { numRuns: 2_000 },
    );
  });

  it('generated process definitions are valid (the generator is honest)', () => {
    fc.assert(
      fc.property(validProc, (p) => {
        expect(validate('proc', p).issues.filter((i) => i.severity === 'error')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('normalising is idempotent: the canonical form normalises to itself', () => {
    fc.assert(
      fc.property(validProc, (p) => {
        const once = normaliseProc(p);
        const canonical = procToSpec(once);
        expect(validate('proc', canonical).issues).toEqual([]);
        expect(normaliseProc(canonical)).toEqual(once);
        expect(procToSpec(normaliseProc(canonical))).toEqual(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('a worker file survives toSpec and normalise unchanged', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validProc, { selector: (p) => p.name, maxLength: 6 }), (procs) => {
        const worker = normalise('worker', { procs });
        expect(normalise('worker', toSpec('worker', worker))).toEqual(worker);
      }),
      { numRuns: 200 },
    );
  });

  it('the diff of a list with itself is all unchanged', () => {
    fc.assert(
      fc.property(fc.uniqueArray(validProc, { selector: (p) => p.name, maxLength: 8 }), (procs) => {
        const list = procs.map(normaliseProc);
        const again = procs.map(normaliseProc);
        const diff = diffProcs(list, again);
        expect(diff.unchanged.map((p) => p.name)).toEqual(list.map((p) => p.name));
        expect(diff.start.length + diff.stop.length + diff.restart.length).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
