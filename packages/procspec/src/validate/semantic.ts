// Checks that span keys or processes: duplicate names, dependencies, and
// pairs of keys that contradict each other. They read the raw value
// defensively, so they run even where structural checks found errors.
import type { Issue, IssueCode } from '../errors.js';
import { parseDuration } from '../model/units.js';
import { formatPath, type PathPart } from './describe.js';
import { DEFAULTS } from '../normalise/defaults.js';
import { urlBasename } from '../normalise/normalise.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function issue(code: IssueCode, path: PathPart[], message: string): Issue {
  return { severity: 'error', code, path: formatPath(path), message };
}

/** Checks of one process definition on its own. */
export function checkProc(proc: unknown, path: PathPart[]): Issue[] {
  if (!isObj(proc)) return [];
  const issues: Issue[] = [];
  if (proc.write_pid === true && proc.daemon === true) {
    issues.push(issue('DPD_SPEC_CONFLICT', [...path, 'write_pid'], 'write_pid: true cannot be used with daemon: true; a forking daemon writes its own pid_file'));
  }
  if (proc.daemon === true && proc.pid_file === undefined) {
    issues.push(issue('DPD_SPEC_CONFLICT', [...path, 'daemon'], 'daemon: true needs pid_file, where the daemon writes the pid the supervisor watches'));
  }
  if (proc.logs !== undefined && proc.log_pipe !== undefined) {
    issues.push(issue('DPD_SPEC_CONFLICT', [...path, 'log_pipe'], 'log_pipe cannot be used with logs; choose one destination for the output'));
  }
  if (parseDuration(proc.timeout) === 0) {
    issues.push(issue('DPD_SPEC_DURATION', [...path, 'timeout'], 'expected a duration above 0, found 0'));
  }
  if (isObj(proc.load) && typeof proc.load.pause_above === 'number' && typeof proc.load.resume_below === 'number' && proc.load.resume_below > proc.load.pause_above) {
    issues.push(issue('DPD_SPEC_LOAD_ORDER', [...path, 'load', 'resume_below'], `expected at most pause_above (${proc.load.pause_above}), found ${proc.load.resume_below}`));
  }
  if (isObj(proc.backoff)) {
    const initial = parseDuration(proc.backoff.initial ?? DEFAULTS.backoff.initial / 1000);
    const max = parseDuration(proc.backoff.max ?? DEFAULTS.backoff.max / 1000);
    if (initial !== undefined && max !== undefined && initial > max) {
      issues.push(issue('DPD_SPEC_BACKOFF_ORDER', [...path, 'backoff', 'initial'], `expected at most backoff.max (${max} ms${proc.backoff.max === undefined ? ', the default' : ''}), found ${initial} ms`));
    }
  }
  if (isObj(proc.rlimits)) {
    for (const [name, limit] of Object.entries(proc.rlimits)) {
      if (isObj(limit) && typeof limit.soft === 'number' && typeof limit.hard === 'number' && limit.soft > limit.hard) {
        issues.push(issue('DPD_SPEC_RLIMIT', [...path, 'rlimits', name, 'soft'], `expected at most the hard limit (${limit.hard}), found ${limit.soft}`));
      }
      if (isObj(limit) && typeof limit.soft === 'number' && limit.hard === 'unlimited') continue;
      if (isObj(limit) && limit.soft === 'unlimited' && typeof limit.hard === 'number') {
        issues.push(issue('DPD_SPEC_RLIMIT', [...path, 'rlimits', name, 'soft'], `expected at most the hard limit (${limit.hard}), found "unlimited"`));
      }
    }
  }
  return issues;
}

/** Checks of a list of processes: each process, unique names, and `depends` within the list. */
export function checkProcList(procs: unknown, path: PathPart[]): Issue[] {
  if (!Array.isArray(procs)) return [];
  const issues = procs.flatMap((proc, index) => checkProc(proc, [...path, index]));
  const firstIndex = new Map<string, number>();
  procs.forEach((proc, index) => {
    if (!isObj(proc) || typeof proc.name !== 'string') return;
    const earlier = firstIndex.get(proc.name);
    if (earlier === undefined) firstIndex.set(proc.name, index);
    else issues.push(issue('DPD_SPEC_DUPLICATE_NAME', [...path, index, 'name'], `duplicate name "${proc.name}", already used by ${formatPath([...path, earlier])}`));
  });

  const edges = new Map<string, string[]>();
  procs.forEach((proc, index) => {
    if (!isObj(proc) || typeof proc.name !== 'string' || !Array.isArray(proc.depends)) return;
    const known: string[] = [];
    proc.depends.forEach((dep, d) => {
      if (typeof dep !== 'string') return;
      if (firstIndex.has(dep)) known.push(dep);
      else issues.push(issue('DPD_SPEC_DEPENDENCY', [...path, index, 'depends', d], `expected the name of a process in this list, found "${dep}"`));
    });
    edges.set(proc.name, known);
  });
  for (const cycle of findCycles(edges)) {
    const index = firstIndex.get(cycle[0]!)!;
    issues.push(issue('DPD_SPEC_DEPENDENCY_CYCLE', [...path, index, 'depends'], `depends forms a cycle: ${cycle.join(' → ')} → ${cycle[0]}`));
  }
  return issues;
}

/** Each cycle once, as the names along it. */
function findCycles(edges: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'active');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const seen = state.get(next);
      if (seen === 'active') cycles.push(stack.slice(stack.indexOf(next)));
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of edges.keys()) if (!state.has(name)) visit(name);
  return cycles;
}

/** Checks of a job spec: every listed URL must give a distinct file name. */
export function checkJob(job: unknown): Issue[] {
  if (!isObj(job) || !Array.isArray(job.download_urls)) return [];
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  job.download_urls.forEach((url, index) => {
    if (typeof url !== 'string') return;
    const name = urlBasename(url);
    const path: PathPart[] = ['download_urls', index];
    if (name === undefined) issues.push(issue('DPD_SPEC_URL', path, `expected a URL that ends in a file name, found ${JSON.stringify(url)}`));
    else if (seen.has(name)) issues.push(issue('DPD_SPEC_DUPLICATE_NAME', path, `file name "${name}" is already taken by download_urls[${seen.get(name)}]; use an object of file name → URL`));
    else seen.set(name, index);
  });
  return issues;
}
