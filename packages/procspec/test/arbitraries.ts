// Generators shared by the property tests: valid values of every kind, and
// values that are wrong in every way a file can be.
import fc from 'fast-check';
import {
  ClientSchema,
  JobSchema,
  MasterSchema,
  ProcSchema,
  WorkerSchema,
  type ClientInput,
  type FileKind,
  type JobInput,
  type MasterInput,
  type ProcInput,
  type WorkerInput,
} from '@diprocd/procspec';

export const PROC_KEYS = Object.keys(ProcSchema.properties);
const KEYS: Record<FileKind, string[]> = {
  proc: PROC_KEYS,
  worker: Object.keys(WorkerSchema.properties),
  master: Object.keys(MasterSchema.properties),
  client: Object.keys(ClientSchema.properties),
  job: Object.keys(JobSchema.properties),
};

/** A value nested `depth` levels deep. */
export const nested = (depth: number, wrap: (inner: unknown) => unknown): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
};

/** Values at the edges: zero, negative, huge, empty, of every type, and nested far deeper than any real file. */
export const edgeValue = fc.constantFrom<unknown>(
  0,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  '',
  '0',
  '0s',
  '0k',
  ' ',
  '.',
  '..',
  'x/y',
  'a\u0000b',
  '1e308',
  `${'9'.repeat(400)}w`,
  '%H',
  null,
  true,
  false,
  [],
  {},
  [''],
  { soft: 2, hard: 1 },
  { '': 1 },
  nested(5_000, (inner) => [inner]),
  nested(5_000, (inner) => ({ a: inner })),
);

const anyValue = fc.oneof({ weight: 3, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: edgeValue });

/** Objects with known keys (and some junk) holding any JSON or an edge value: reaches deep into the walker. */
export const procLike = fc.dictionary(fc.constantFrom(...PROC_KEYS, 'restrat', '$schema'), anyValue, { maxKeys: 12 });
export const fileLike = fc.record(
  {
    procs: fc.oneof(fc.array(procLike, { maxLength: 4 }), anyValue),
    nodes: fc.oneof(fc.dictionary(fc.string(), fc.array(procLike, { maxLength: 3 })), anyValue),
    cmd: anyValue,
    download_urls: fc.oneof(fc.array(fc.webUrl()), fc.dictionary(fc.string(), fc.string()), anyValue),
    config: fc.oneof(fc.dictionary(fc.string(), anyValue), anyValue),
    env: fc.oneof(fc.dictionary(fc.string(), anyValue), anyValue),
    master_stats: anyValue,
    conf_file: anyValue,
    node_name: anyValue,
  },
  { requiredKeys: [] },
);

const duration = fc.oneof(
  fc.integer({ min: 0, max: 100_000 }),
  fc.double({ min: 0, max: 10_000, noNaN: true }),
  fc.constantFrom('0', '0s', '500ms', '10s', '5m', '1h', '1d', '1m30s', '0.25s', '365d'),
);
const positiveDuration = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }),
  fc.constantFrom(0.0001, '0.1ms', '1ms', '10s', '2h', '52w'),
);
const namePattern = new RegExp(ProcSchema.properties.name.pattern!, 'u');
export const procName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => namePattern.test(s)),
);
const account = fc.oneof(
  fc.nat({ max: 65_535 }),
  fc.constantFrom('nobody', 'www-data', 'root', '_svc', '0', '1000', '4294967294', 4_294_967_294),
);
const limit = fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant('unlimited' as const));
const rlimit = fc.oneof(
  limit,
  fc.record({
    soft: fc.nat({ max: 100 }),
    hard: fc.oneof(fc.integer({ min: 100, max: 1000 }), fc.constant('unlimited' as const)),
  }),
);
const nodeName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}$/);

export const validProc: fc.Arbitrary<ProcInput> = fc
  .record(
    {
      name: procName,
      run: fc.constantFrom('/bin/sleep', 'sleep', '/usr/bin/env'),
      args: fc.array(fc.string(), { maxLength: 3 }),
      env: fc.dictionary(
        fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/),
        fc.oneof(fc.string(), fc.integer(), fc.boolean()),
        { maxKeys: 3 },
      ),
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
      log_max_size: fc.oneof(
        fc.integer({ min: 1, max: 2 ** 50 }),
        fc.constantFrom('10M', '512k', '1G', '1048576G', '010'),
      ),
      log_keep: fc.nat({ max: 20 }),
      restart: fc.constantFrom(true, false, 'always', 'on-failure', 'never'),
      restart_limit: fc.record(
        { starts: fc.integer({ min: 1, max: 50 }), within: positiveDuration },
        { requiredKeys: [] },
      ),
      backoff: fc.record(
        { initial: fc.constantFrom('0s', '100ms'), max: fc.constantFrom('1s', '30s', 60) },
        { requiredKeys: [] },
      ),
      min_uptime: duration,
      success_delay: duration,
      log_stderr: fc.boolean(),
      stop_signal: fc.constantFrom('TERM', 'SIGINT', 'SIGQUIT', 'HUP'),
      stop_timeout: duration,
      timeout: positiveDuration,
      load: fc.record(
        {
          pause_above: fc.double({ min: 0.5, max: 64, noNaN: true }),
          source: fc.constantFrom('loadavg1' as const, 'psi-cpu' as const),
          interval: positiveDuration,
        },
        { requiredKeys: ['pause_above'] },
      ),
    },
    { requiredKeys: ['name', 'run'] },
  )
  .map(
    (p) =>
      ('logs' in p
        ? p
        : {
            ...p,
            log_pipe: ['logger', '-t', p.name],
            ...(p.name.length % 2 ? { log_pipe_as: { user: 'log', groups: ['adm'] } } : {}),
          }) as ProcInput,
  );

/** A list of processes with distinct names. */
export const validProcList = (maxLength: number) => fc.uniqueArray(validProc, { selector: (p) => p.name, maxLength });

const endpoint = fc.constantFrom('tcp://127.0.0.1:5001', 'ipc:///run/dpd.sock', 'inproc://x');
const path = fc.constantFrom('/var/run/d.pid', 'd.log', '/tmp/../w.json');
const fileKeys = { pid_file: path, log_file: path };

export const validWorker: fc.Arbitrary<WorkerInput> = fc.record(
  { ...fileKeys, procs: validProcList(5), stop_on_exit: fc.boolean(), state_dir: path, control_socket: path },
  { requiredKeys: ['procs'] },
);

export const validMaster: fc.Arbitrary<MasterInput> = fc.record(
  {
    ...fileKeys,
    master_stats: endpoint,
    master_updates: endpoint,
    nodes: fc.dictionary(nodeName, validProcList(3), { maxKeys: 3 }),
  },
  { requiredKeys: ['master_stats', 'master_updates', 'nodes'] },
);

export const validClient: fc.Arbitrary<ClientInput> = fc.record(
  {
    ...fileKeys,
    master_stats: endpoint,
    master_updates: endpoint,
    node_name: fc.constantFrom('%H', 'web-%H', 'node1', '%H%H'),
    conf_file: path,
  },
  { requiredKeys: ['master_stats', 'master_updates', 'conf_file'] },
);

const url = fc.constantFrom('https://h.invalid/a/data.json', 'file:///srv/a%20b.txt', 'http://h.invalid/x.tar.gz?v=1');
export const validJob: fc.Arbitrary<JobInput> = fc.record(
  {
    cmd: fc.oneof(
      fc.constantFrom('python -m app $APP_SETTINGS', 'true'),
      fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
    ),
    name: fc.constantFrom('nightly', 'x'),
    node: nodeName,
    download_urls: fc.oneof(
      fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,10}$/), url, { maxKeys: 3 }),
      fc.subarray(['https://h.invalid/a/data.json', 'file:///srv/a%20b.txt', 'http://h.invalid/x.tar.gz?v=1']),
    ),
    config: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
    env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean()), {
      maxKeys: 3,
    }),
    timeout: positiveDuration,
    python_deps: fc.array(fc.constantFrom('requests', 'numpy==2.0'), { maxLength: 2 }),
    python_cheeseshop: url,
    npm_deps: fc.array(fc.constantFrom('left-pad', 'lodash@4'), { maxLength: 2 }),
    npm_registry: url,
    keep_workdir_on_failure: fc.boolean(),
  },
  { requiredKeys: ['cmd'] },
);

export const VALID: { [K in FileKind]: fc.Arbitrary<unknown> } = {
  proc: validProc,
  worker: validWorker,
  master: validMaster,
  client: validClient,
  job: validJob,
};

/** A valid value of a kind with one known key (at the top or in a process) set to anything. */
export const mutated = (kind: FileKind): fc.Arbitrary<unknown> =>
  fc
    .tuple(VALID[kind], fc.constantFrom(...KEYS[kind]), fc.constantFrom(...PROC_KEYS), anyValue)
    .map(([value, key, procKey, wrong]) => {
      const copy = structuredClone(value) as Record<string, unknown>;
      const procs = copy.procs as Record<string, unknown>[] | undefined;
      if (kind === 'worker' && procs?.[0] && procKey.length % 2 === 0) procs[0][procKey] = wrong;
      else copy[key] = wrong;
      return copy;
    });
