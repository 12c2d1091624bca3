// dpd-workerd beside its peers, each driven as an operator would, with 200
// processes: restart latency after SIGKILL, cold start of 200, RSS and CPU
// of the supervision tree while idle, add one program, change one
// program's args (the other 199 must keep their pids), stop all.
//
//   npm run build
//   apt-get install supervisor s6                                  # optional peers
//   npm install --prefix /tmp/pm2-peer pm2                         # optional peer, outside the project
//   node tools/bench/peers.mjs [--procs 200] [--kills 20] [--cold-starts 3] [--settle-seconds 60] [--idle-seconds 20]
// [--unset-env NAME]... [--pm2 /tmp/pm2-peer/node_modules/.bin/pm2] [--only dpd,pm2,supervisord,s6] [--no-record]
//
// Cold start is the median of --cold-starts starts from nothing (the
// machine's noise moves a single one by 100 ms). Idle is measured after
// --settle-seconds: the Node-based managers' V8 runs its memory reducer's
// full GCs some time after a burst, a one-off whose CPU is reported apart
// (settleCpuPercent). That was 8-25 s after dpd-workerd's start, and
// 6-36 s once it was one bundle (hence 60 s, not 30). CPU is the
// scheduler's ns account of every thread.
//
// Every program is `sleep <unique seconds>`, so a run is recognised by its
// command line in /proc whoever started it. Restart latency: from
// SIGKILL to the replacement's exec (its command line in /proc), watched
// through /proc/sys/kernel/ns_last_pid. Times include each tool's own
// command line where an operator would use it (pm2, supervisorctl, s6-svc).
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RECORD_OPTION, finish } from './lib/history.mjs';
import { cmdline, cpuNs, lastPid, now } from './lib/kit.mjs';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '200' },
    kills: { type: 'string', default: '20' },
    'cold-starts': { type: 'string', default: '3' },
    'settle-seconds': { type: 'string', default: '60' },
    'idle-seconds': { type: 'string', default: '20' },
    pm2: { type: 'string', default: '/tmp/pm2-peer/node_modules/.bin/pm2' },
    only: { type: 'string' },
    'unset-env': { type: 'string', multiple: true, default: [] },
    ...RECORD_OPTION,
  },
});
// Variables taken out of the environment every manager starts with (all
// alike). This machine sets NODE_EXTRA_CA_CERTS, which makes every Node
// process read a CA bundle at start-up (about 80 ms here): a cost of the
// machine, not of a manager, that an operator's machine need not have.
for (const name of values['unset-env']) delete process.env[name];
const N = Number(values.procs);
const KILLS = Number(values.kills);
const COLD_STARTS = Number(values['cold-starts']);
if (!(Number.isInteger(COLD_STARTS) && COLD_STARTS >= 1))
  throw new Error('--cold-starts is a whole number of at least 1');
const SETTLE = Number(values['settle-seconds']);
const IDLE = Number(values['idle-seconds']);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = 100_000; // slot i sleeps BASE + i seconds; a changed slot BASE * 2 + i
const marker = (i, changed = false) => String((changed ? 2 * BASE : BASE) + i);

// ---- observing processes through /proc -------------------------------------

const pause = new Int32Array(new SharedArrayBuffer(4));
const nap = (ms) => Atomics.wait(pause, 0, 0, ms);

function statOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** marker → pid of every live `sleep <marker>` (zombies excluded). */
function sleepers() {
  const found = new Map();
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) > 57) continue;
    const argv = cmdline(entry);
    if (!argv || !argv[0]?.endsWith('sleep') || argv.length < 2) continue;
    const stat = statOf(entry);
    if (stat && stat[0] !== 'Z') found.set(argv[1], Number(entry));
  }
  return found;
}

function waitUntil(what, probe, timeoutMs = 30_000, everyMs = 2) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    nap(everyMs);
  }
}

const PID_MAX = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));

/** The pids handed out after `last` up to `current`, across a wrap-around (which restarts at 300). */
function newPids(last, current) {
  const pids = [];
  if (current >= last) for (let p = last + 1; p <= current; p++) pids.push(p);
  else {
    for (let p = last + 1; p < PID_MAX; p++) pids.push(p);
    for (let p = 300; p <= current; p++) pids.push(p);
  }
  return pids;
}

/**
 * Runs `act` and returns ms until a new `sleep m` has exec'd. Only pids
 * created since are looked at (through /proc/sys/kernel/ns_last_pid), so
 * the wait costs no scan of all of /proc and measures to a fraction of a
 * millisecond. `done(pid)`, when given, must also hold (an old run gone).
 */
function untilNewSleeper(m, act, done = () => true, timeoutMs = 30_000) {
  let last = lastPid();
  const started = now();
  act();
  const deadline = started + timeoutMs;
  // pid → when it was first missing from /proc. A pid is handed out (and
  // ns_last_pid moves) a little before the new process shows in /proc, so a
  // missing one is given up only after a while.
  const candidates = new Map();
  let found;
  for (;;) {
    const current = lastPid();
    for (const pid of newPids(last, current)) candidates.set(pid, undefined);
    last = current;
    for (const [pid, missingSince] of candidates) {
      const argv = cmdline(pid);
      if (argv === undefined) {
        if (missingSince === undefined) candidates.set(pid, now());
        else if (now() - missingSince > 100) candidates.delete(pid);
      } else if (argv[0]?.endsWith('sleep') && argv[1] === m) {
        found = pid;
        break;
      } else if (missingSince !== undefined) {
        candidates.set(pid, undefined);
      }
    }
    if (found !== undefined && done(found)) return now() - started;
    if (now() > deadline) throw new Error(`no new sleep ${m} within ${timeoutMs} ms`);
    nap(0.05);
  }
}

/** Kills the process sleeping `m` and returns ms until a new `sleep m` has exec'd. */
function restartLatency(m) {
  const pid = sleepers().get(m);
  if (!pid) throw new Error(`no process for ${m}`);
  return untilNewSleeper(
    m,
    () => process.kill(pid, 'SIGKILL'),
    () => true,
    10_000,
  );
}

/** True while `pid` runs `sleep m` (not a zombie). */
function runs(pid, m) {
  const argv = cmdline(pid);
  const stat = statOf(pid);
  return argv?.[1] === m && stat !== undefined && stat[0] !== 'Z';
}

/**
 * Memory and CPU of a supervision tree: summed PSS (shared pages divided
 * among their sharers, so 200 small processes sharing libc are not counted
 * 200 times), summed RSS for reference, and CPU time in ns.
 */
function usage(pids) {
  let pssKiB = 0;
  let rssPages = 0;
  let cpu = 0;
  for (const pid of pids) {
    const stat = statOf(pid);
    if (!stat) continue;
    cpu += cpuNs(pid);
    rssPages += Number(stat[21]);
    try {
      pssKiB += Number(/^Pss:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return { pssMiB: pssKiB / 1024, rssMiB: (rssPages * 4096) / 2 ** 20, cpuNs: cpu };
}

/** Pids of processes whose command line matches, and their descendants that are not our sleepers. */
function treeOf(match) {
  const all = readdirSync('/proc').filter((e) => e.charCodeAt(0) <= 57);
  const parent = new Map(all.map((pid) => [Number(pid), Number(statOf(pid)?.[1])]));
  const roots = all.map(Number).filter((pid) => match(cmdline(pid) ?? []));
  const tree = new Set(roots); // a Set: a pid matched twice counts once
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid) && !cmdline(pid)?.[0]?.endsWith('sleep')) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

// ---- the managers ----------------------------------------------------------

const sh = (cmd, args, options = {}) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, ...options }).toString();

function dpd(dir) {
  const file = join(dir, 'worker.json');
  const bin = join(ROOT, 'daemons/worker/bin');
  const proc = (i, changed) => ({
    name: `p${i}`,
    run: '/bin/sleep',
    args: [marker(i, changed)],
    user: 'root',
    stop_timeout: '5s',
  });
  const write = (procs) => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ procs }));
    renameSync(`${file}.tmp`, file); // as dpd-clientd does
  };
  let list = Array.from({ length: N }, (_, i) => proc(i));
  let worker;
  return {
    name: 'dpd-workerd',
    setup: () => write(list),
    start: () => {
      // The bin itself, as an operator runs it (its #! line is plain node).
      worker = spawn(join(bin, 'dpd-workerd.js'), ['-f', '--log-format', 'json', file], {
        stdio: ['ignore', 'ignore', openSync(join(dir, 'worker.log'), 'a')],
        detached: true,
      });
    },
    // The worker and its spawn helper (a child that is not one of the sleepers).
    tree: () => treeOf((argv) => argv.some((arg) => arg.endsWith('dpd-workerd.js')) && argv.includes(file)),
    add: () => write((list = [...list, proc(N)])),
    change: () => write((list = list.map((p, i) => (i === 0 ? proc(0, true) : p)))),
    stopAll: () => write((list = [])),
    teardown: () => {
      try {
        sh(process.execPath, [join(bin, 'dpd-ctl.js'), '--file', file, 'shutdown', '--stop-processes']);
      } catch {
        worker?.kill('SIGKILL');
      }
      // Until it has exited (a zombie, as this loop does not reap it): it
      // writes its state records as it goes.
      if (worker) waitUntil('the worker exited', () => [undefined, 'Z'].includes(statOf(worker.pid)?.[0]), 20_000, 20);
    },
  };
}

function pm2(dir) {
  const bin = values.pm2;
  if (!existsSync(bin)) return undefined;
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2-home') };
  const app = (i, changed) => ({
    name: `p${i}`,
    script: '/bin/sleep',
    args: marker(i, changed),
    interpreter: 'none',
    autorestart: true,
    min_uptime: 0,
    restart_delay: 0,
  });
  const ecosystem = join(dir, 'ecosystem.config.json');
  const write = (apps) => writeFileSync(ecosystem, JSON.stringify({ apps }));
  const run = (...args) => sh(bin, args, { env });
  return {
    name: 'PM2 ' + sh(bin, ['--version'], { env }).trim().split('\n').pop(),
    setup: () => write(Array.from({ length: N }, (_, i) => app(i))),
    start: () => run('start', ecosystem),
    tree: () =>
      treeOf(
        (argv) =>
          argv[0]?.startsWith('PM2 v') || (argv.some((a) => a.includes('PM2')) && argv.join(' ').includes('God')),
      ),
    add: () => {
      write([app(N)]);
      run('start', ecosystem, '--only', `p${N}`);
    },
    change: () => {
      write([app(0, true)]);
      run('delete', 'p0');
      run('start', ecosystem, '--only', 'p0');
    },
    stopAll: () => run('delete', 'all'),
    teardown: () => {
      try {
        run('kill');
      } catch {
        // not running
      }
    },
  };
}

function supervisord(dir) {
  if (!existsSync('/usr/bin/supervisord')) return undefined;
  const conf = join(dir, 'supervisord.conf');
  const sock = join(dir, 'supervisor.sock');
  const program = (i, changed) =>
    `[program:p${i}]\ncommand=/bin/sleep ${marker(i, changed)}\nautorestart=true\nstartsecs=0\nstopwaitsecs=5\n`;
  const head = `[unix_http_server]\nfile=${sock}\n[supervisord]\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n[supervisorctl]\nserverurl=unix://${sock}\n`;
  let programs = Array.from({ length: N }, (_, i) => program(i));
  const write = () => writeFileSync(conf, head + programs.join(''));
  const ctl = (...args) => sh('supervisorctl', ['-c', conf, ...args]);
  let daemon;
  return {
    name: 'supervisord ' + sh('supervisord', ['--version']).trim(),
    setup: write,
    start: () => {
      daemon = spawn('supervisord', ['-n', '-c', conf], { stdio: 'ignore', detached: true });
    },
    tree: () => [daemon.pid],
    add: () => {
      programs = [...programs, program(N)];
      write();
      ctl('update');
    },
    change: () => {
      programs[0] = program(0, true);
      write();
      ctl('update');
    },
    stopAll: () => ctl('stop', 'all'),
    teardown: () => daemon?.kill('SIGTERM'),
  };
}

function s6(dir) {
  if (!existsSync('/usr/bin/s6-svscan')) return undefined;
  const scan = join(dir, 'scan');
  const service = (i, changed) => {
    mkdirSync(join(scan, `p${i}`), { recursive: true });
    writeFileSync(join(scan, `p${i}`, 'run'), `#!/bin/sh\nexec /bin/sleep ${marker(i, changed)}\n`, { mode: 0o755 });
  };
  let daemon;
  return {
    name: 's6 (s6-svscan) ' + (sh('dpkg-query', ['-W', '-f', '${Version}', 's6']) || ''),
    setup: () => {
      for (let i = 0; i < N; i++) service(i);
    },
    start: () => {
      daemon = spawn('s6-svscan', [scan], { stdio: 'ignore', detached: true });
    },
    tree: () => treeOf((argv) => argv[0]?.endsWith('s6-svscan') && argv[1] === scan),
    add: () => {
      service(N);
      sh('s6-svscanctl', ['-a', scan]);
    },
    change: () => {
      service(0, true);
      sh('s6-svc', ['-r', join(scan, 'p0')]);
    },
    // s6-svc takes one service directory per call; an operator loops.
    stopAll: () => {
      for (const entry of readdirSync(scan).filter((e) => !e.startsWith('.'))) sh('s6-svc', ['-d', join(scan, entry)]);
    },
    teardown: () => {
      try {
        sh('s6-svscanctl', ['-t', scan]);
      } catch {
        daemon?.kill('SIGKILL');
      }
    },
  };
}

// ---- the scenarios ---------------------------------------------------------

const ours = () => [...sleepers()].filter(([m]) => Number(m) >= BASE);

/** Sets the manager up in a new directory and starts it; returns ms until all N programs run. */
function coldStart(manager) {
  manager.setup();
  // All of /proc is scanned only once N new pids exist: a scan costs
  // several ms of CPU, and scanning all along would take a core from the
  // manager being measured (there are two).
  const firstPid = lastPid();
  const t = now();
  manager.start();
  waitUntil(`${N} processes`, () => newPids(firstPid, lastPid()).length >= N && ours().length >= N, 60_000, 1);
  return now() - t;
}

/**
 * Stops the manager and whatever of ours still runs, and removes its
 * directory. Never throws: a cleanup that times out is reported in the
 * result (and the run goes on to the next manager).
 */
function dispose(manager, dir, result) {
  try {
    manager.teardown();
  } catch {
    // best effort
  }
  try {
    waitUntil(
      'cleanup',
      () => {
        for (const [, pid] of ours()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        return ours().length === 0;
      },
      20_000,
      50,
    );
    if (process.env.KEEP_BENCH_DIR) return console.error('kept', dir);
    // A manager's own processes may still write there as they exit (s6-supervise).
    waitUntil(
      'its directory removed',
      () => {
        try {
          rmSync(dir, { recursive: true, force: true });
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      100,
    );
  } catch (error) {
    result.cleanupError = why(error);
  }
}

/** A manager in a new directory, or undefined when it is not installed. */
function fresh(make) {
  const dir = mkdtempSync(join(tmpdir(), 'dpd-peers-'));
  const manager = make(dir);
  if (!manager) rmSync(dir, { recursive: true, force: true });
  return manager && { manager, dir };
}

/** Percent of one core: CPU ns used between two readings taken `ms` apart. */
const cpuPercent = (before, after, ms) => (Math.max(0, after.cpuNs - before.cpuNs) / 1e6 / ms) * 100;

const why = (error) => String(error?.message ?? error);

/**
 * The first COLD_STARTS - 1 cold starts, each from nothing and torn down
 * again; returns their times and a fresh manager for the last start (or
 * undefined, with result.error set).
 */
function earlierColdStarts(make, initial, result) {
  const starts = [];
  let current = initial;
  try {
    for (let k = 1; k < COLD_STARTS; k++) {
      if (k > 1) current = fresh(make);
      try {
        starts.push(coldStart(current.manager));
      } finally {
        dispose(current.manager, current.dir, result);
      }
    }
    return { starts, current: COLD_STARTS > 1 ? fresh(make) : initial };
  } catch (error) {
    result.error = why(error);
    return undefined;
  }
}

function measure(make) {
  let initial;
  try {
    initial = fresh(make);
  } catch (error) {
    return { manager: make.name, error: why(error) };
  }
  if (!initial) return undefined;
  const result = { manager: initial.manager.name };
  const earlier = earlierColdStarts(make, initial, result);
  if (!earlier) return result;
  const { starts, current } = earlier;
  const { manager, dir } = current;
  try {
    starts.push(coldStart(manager));
    result.coldStartRunsMs = starts.map((ms) => Math.round(ms));
    // The median (of an even count, the lower middle one).
    result.coldStartMs = [...starts].sort((a, b) => a - b)[Math.floor((starts.length - 1) / 2)];

    // The burst's after-effects (V8's memory reducer in the two Node-based
    // managers) are counted apart; idle is the steady state after them.
    const tree = manager.tree();
    const settleStart = usage(tree);
    let t = now();
    nap(SETTLE * 1000);
    const before = usage(tree);
    result.settleCpuPercent = cpuPercent(settleStart, before, now() - t);
    t = now();
    nap(IDLE * 1000);
    const after = usage(tree);
    result.idleCpuPercent = cpuPercent(before, after, now() - t);
    result.pssMiB = after.pssMiB;
    result.rssMiB = after.rssMiB;
    result.treeProcesses = tree.length;

    const latencies = [];
    for (let k = 0; k < KILLS; k++) latencies.push(restartLatency(marker(1 + k)));
    latencies.sort((a, b) => a - b);
    result.restartMedianMs = latencies[Math.floor(KILLS / 2)];
    result.restartP95Ms = latencies[Math.min(KILLS - 1, Math.floor(KILLS * 0.95))];

    waitUntil('all running again', () => ours().length >= N, 30_000, 5);
    nap(1_500); // past min-uptime windows, so the kills above do not count as a crash loop
    const pids = new Map(ours());
    result.addOneMs = untilNewSleeper(marker(N), () => manager.add());
    const first = pids.get(marker(0));
    result.changeOneMs = untilNewSleeper(
      marker(0, true),
      () => manager.change(),
      () => !runs(first, marker(0)),
    );
    const after199 = sleepers();
    result.othersKeptPids = [...pids].filter(([m]) => m !== marker(0)).every(([m, pid]) => after199.get(m) === pid);

    t = now();
    manager.stopAll();
    waitUntil('all stopped', () => ours().length === 0, 60_000, 2);
    result.stopAllMs = now() - t;
  } catch (error) {
    result.error = why(error);
  } finally {
    dispose(manager, dir, result);
  }
  return result;
}

const makers = { dpd, pm2, supervisord, s6 };
const chosen = values.only ? values.only.split(',') : Object.keys(makers);
const round = (x) => (typeof x === 'number' ? Math.round(x * 100) / 100 : x);
// By the key --only takes (dpd, pm2, supervisord, s6); each names its version in `manager`.
const managers = {};
for (const key of chosen) {
  const result = measure(makers[key]);
  if (result) {
    managers[key] = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)]));
    console.error(JSON.stringify(result));
  } else {
    console.error(`${key}: not installed, skipped`);
  }
}
finish(values, {
  bench: 'peers',
  command: `npm run build && node tools/bench/peers.mjs --procs ${N} --kills ${KILLS} --cold-starts ${COLD_STARTS} --settle-seconds ${SETTLE} --idle-seconds ${IDLE}${values.only ? ` --only ${values.only}` : ''}${values['unset-env'].map((name) => ` --unset-env ${name}`).join('')}`,
  results: {
    procs: N,
    kills: KILLS,
    coldStarts: COLD_STARTS,
    settleSeconds: SETTLE,
    idleSeconds: IDLE,
    unsetEnv: values['unset-env'],
    cores: cpus().length,
    node: process.version,
    managers,
  },
});
