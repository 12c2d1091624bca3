// Checks that span keys or processes: duplicate names, dependencies, and
// pairs of keys that contradict each other. They read the raw value
// defensively, so they run even where structural checks found errors.
import type { Issue, IssueCode } from '../errors.js';
import { FILE_NAME_WORDS, urlBasename } from '../model/download-name.js';
import { HTTP_ADDRESS_PATTERN, URL_PATTERN } from '../model/files.js';
import { addressHost, isLoopbackHost } from '../model/loopback.js';
import { NODE_NAME_PATTERN } from '../model/units.js';
import { durationProblem, parseDuration } from '../model/units.js';
import { DEFAULTS } from '../normalise/defaults.js';
import { formatPath, found, type PathPart } from './describe.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function issue(code: IssueCode, path: PathPart[], message: string, severity: Issue['severity'] = 'error'): Issue {
  return { severity, code, path: formatPath(path), message };
}

/** A resource limit as a number to compare: "unlimited" is above every number. */
const limitValue = (v: unknown): number | undefined =>
  v === 'unlimited' ? Infinity : typeof v === 'number' ? v : undefined;

/** Checks of one process definition on its own. */
export function checkProc(proc: unknown, path: PathPart[]): Issue[] {
  if (!isObj(proc)) return [];
  const issues: Issue[] = [];
  if (proc.write_pid === true && proc.daemon === true) {
    issues.push(
      issue(
        'DPD_SPEC_CONFLICT',
        [...path, 'write_pid'],
        'write_pid: true cannot be used with daemon: true; a forking daemon writes its own pid_file',
      ),
    );
  }
  if (proc.daemon === true && proc.pid_file === undefined) {
    issues.push(
      issue(
        'DPD_SPEC_CONFLICT',
        [...path, 'daemon'],
        'daemon: true needs pid_file, where the daemon writes the pid the supervisor watches',
      ),
    );
  }
  if (proc.log_pipe_as !== undefined && proc.log_pipe === undefined) {
    issues.push(
      issue(
        'DPD_SPEC_CONFLICT',
        [...path, 'log_pipe_as'],
        'log_pipe_as names who runs the log_pipe command, but there is no log_pipe',
      ),
    );
  }
  if (proc.logs !== undefined && proc.log_pipe !== undefined) {
    issues.push(
      issue(
        'DPD_SPEC_CONFLICT',
        [...path, 'log_pipe'],
        'log_pipe cannot be used with logs; choose one destination for the output',
      ),
    );
  }
  if (
    isObj(proc.load) &&
    typeof proc.load.pause_above === 'number' &&
    typeof proc.load.resume_below === 'number' &&
    proc.load.resume_below > proc.load.pause_above
  ) {
    issues.push(
      issue(
        'DPD_SPEC_LOAD_ORDER',
        [...path, 'load', 'resume_below'],
        `expected at most pause_above (${proc.load.pause_above}), found ${proc.load.resume_below}`,
      ),
    );
  }
  if (isObj(proc.backoff)) {
    // A max the schema rejected (zero, malformed) already has its own issue.
    const initial = proc.backoff.initial === undefined ? DEFAULTS.backoff.initial : parseDuration(proc.backoff.initial);
    const max =
      proc.backoff.max === undefined
        ? DEFAULTS.backoff.max
        : durationProblem(proc.backoff.max, { positive: true })
          ? undefined
          : parseDuration(proc.backoff.max);
    if (initial !== undefined && max !== undefined && initial > max) {
      issues.push(
        issue(
          'DPD_SPEC_BACKOFF_ORDER',
          [...path, 'backoff', 'initial'],
          `expected at most backoff.max (${max} ms${proc.backoff.max === undefined ? ', the default' : ''}), found ${initial} ms`,
        ),
      );
    }
  }
  if (isObj(proc.rlimits)) {
    for (const [name, limit] of Object.entries(proc.rlimits)) {
      if (!isObj(limit)) continue;
      const soft = limitValue(limit.soft);
      const hard = limitValue(limit.hard);
      if (soft !== undefined && hard !== undefined && soft > hard) {
        issues.push(
          issue(
            'DPD_SPEC_RLIMIT',
            [...path, 'rlimits', name, 'soft'],
            `expected at most the hard limit (${found(limit.hard)}), found ${found(limit.soft)}`,
          ),
        );
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
    else
      issues.push(
        issue(
          'DPD_SPEC_DUPLICATE_NAME',
          [...path, index, 'name'],
          `duplicate name ${found(proc.name)}, already used by ${formatPath([...path, earlier])}`,
        ),
      );
  });

  const edges = new Map<string, string[]>();
  procs.forEach((proc, index) => {
    if (!isObj(proc) || typeof proc.name !== 'string' || !Array.isArray(proc.depends)) return;
    const known: string[] = [];
    proc.depends.forEach((dep, d) => {
      if (typeof dep !== 'string') return;
      if (firstIndex.has(dep)) known.push(dep);
      else
        issues.push(
          issue(
            'DPD_SPEC_DEPENDENCY',
            [...path, index, 'depends', d],
            `expected the name of a process in this list, found ${found(dep)}`,
          ),
        );
    });
    edges.set(proc.name, known);
  });
  for (const cycle of findCycles(edges)) {
    const index = firstIndex.get(cycle[0]!)!;
    issues.push(
      issue(
        'DPD_SPEC_DEPENDENCY_CYCLE',
        [...path, index, 'depends'],
        `depends forms a cycle: ${cycle.join(' → ')} → ${cycle[0]}`,
      ),
    );
  }
  return issues;
}

/**
 * Each cycle once, as the names along it. A depth-first search with its own
 * stack rather than recursion: a `depends` chain thousands long must not
 * overflow the call stack.
 */
function findCycles(edges: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  for (const root of edges.keys()) {
    if (done.has(root)) continue;
    // The current path, where each name is on it, and the next edge to follow from each.
    const path: string[] = [root];
    const onPath = new Map<string, number>([[root, 0]]);
    const nextEdge: number[] = [0];
    while (path.length > 0) {
      const name = path[path.length - 1]!;
      const targets = edges.get(name) ?? [];
      const edge = nextEdge[nextEdge.length - 1]!;
      if (edge === targets.length) {
        path.pop();
        nextEdge.pop();
        onPath.delete(name);
        done.add(name);
        continue;
      }
      nextEdge[nextEdge.length - 1] = edge + 1;
      const target = targets[edge]!;
      const at = onPath.get(target);
      if (at !== undefined) cycles.push(path.slice(at));
      else if (!done.has(target)) {
        onPath.set(target, path.length);
        path.push(target);
        nextEdge.push(0);
      }
    }
  }
  return cycles;
}

/**
 * Checks of a job spec: every listed URL must give a file name, and a
 * distinct one. URLs the schema already rejected are left to its issue.
 */
export function checkJob(job: unknown): Issue[] {
  if (!isObj(job) || !Array.isArray(job.download_urls)) return [];
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  const wellFormed = new RegExp(URL_PATTERN, 'u');
  job.download_urls.forEach((url, index) => {
    if (typeof url !== 'string' || !wellFormed.test(url)) return;
    const name = urlBasename(url);
    const path: PathPart[] = ['download_urls', index];
    if (name === undefined)
      issues.push(
        issue(
          'DPD_SPEC_URL',
          path,
          `expected a URL whose last path segment, %-decoded, is ${FILE_NAME_WORDS}, found ${found(url)}`,
        ),
      );
    else if (seen.has(name))
      issues.push(
        issue(
          'DPD_SPEC_DUPLICATE_NAME',
          path,
          `file name ${found(name)} is already taken by download_urls[${seen.get(name)}]; use an object of file name → URL`,
        ),
      );
    else seen.set(name, index);
  });
  return issues;
}

/** The node a key file of curve.allow's list form is bound to: its file name without `.pub`. */
export function nodeOfKeyFile(ref: string): string | undefined {
  const match = /(?:^|\/)([^/]+)\.pub$/.exec(ref);
  return match && new RegExp(NODE_NAME_PATTERN, 'u').test(match[1]!) ? match[1] : undefined;
}

/**
 * Checks of a master file's curve.allow: a key is a node, so no key is bound
 * twice; the list form binds each key file to the node it is named after,
 * and says so in a warning.
 */
export function checkCurveAllow(master: unknown): Issue[] {
  const allow = isObj(master) && isObj(master.curve) ? master.curve.allow : undefined;
  const issues: Issue[] = [];
  let entries: [PathPart[], string, string | undefined][] = [];
  if (Array.isArray(allow)) {
    entries = allow.flatMap((ref, index): [PathPart[], string, string | undefined][] =>
      typeof ref === 'string' ? [[['curve', 'allow', index], ref, nodeOfKeyFile(ref)]] : [],
    );
    for (const [path, ref, node] of entries) {
      if (node === undefined)
        issues.push(
          issue(
            'DPD_SPEC_KEY_BINDING',
            path,
            `in the list form each key is bound to the node its file is named after (keys/node1.pub → node1), and ${found(ref)} is not a file named <node>.pub; write "allow": {"<node>": ${found(ref)}}`,
          ),
        );
    }
    const byNode = new Map<string, string>();
    for (const [path, ref, node] of entries) {
      if (node === undefined) continue;
      const other = byNode.get(node);
      if (other !== undefined && other !== ref)
        issues.push(
          issue(
            'DPD_SPEC_KEY_BINDING',
            path,
            `${found(ref)} would bind a second key to node ${found(node)} (${found(other)} is bound already); write an object of node name → key file`,
          ),
        );
      else byNode.set(node, ref);
    }
    const bound = [...byNode].map(([node, ref]) => `${node} ← ${ref}`);
    if (allow.length > 0)
      issues.push(
        issue(
          'DPD_SPEC_KEY_BINDING',
          ['curve', 'allow'],
          `the list form binds each key file to the node it is named after (${bound.join(', ') || 'none here'}); write an object of node name → key file to say so`,
          'warning',
        ),
      );
  } else if (isObj(allow)) {
    entries = Object.entries(allow).flatMap(([node, ref]): [PathPart[], string, string | undefined][] =>
      typeof ref === 'string' ? [[['curve', 'allow', node], ref, node]] : [],
    );
  }
  const first = new Map<string, PathPart[]>();
  for (const [path, ref] of entries) {
    const earlier = first.get(ref);
    if (earlier)
      issues.push(
        issue(
          'DPD_SPEC_KEY_BINDING',
          path,
          `${found(ref)} is already the key of ${formatPath(earlier)}: a key proves one node, so each node needs a key of its own`,
        ),
      );
    else first.set(ref, path);
  }
  return issues;
}

/**
 * Checks of a master file's HTTP API: plain HTTP on an address other
 * machines reach needs the operator to say so (the token and job specs
 * would cross the network in clear); a setting that has no effect is a
 * warning. Deny by default, as the API binds to loopback by default.
 */
export function checkMaster(master: Obj): Issue[] {
  const http = master.http;
  const tls = master.http_tls !== undefined;
  const issues: Issue[] = [];
  if (
    typeof http === 'string' &&
    new RegExp(HTTP_ADDRESS_PATTERN, 'u').test(http) &&
    !tls &&
    master.http_plaintext_remote !== true &&
    !isLoopbackHost(addressHost(http))
  ) {
    issues.push(
      issue(
        'DPD_SPEC_PLAINTEXT',
        ['http'],
        `${found(http)} is not a loopback address, and the API would be plain HTTP there (its token and job specs readable on the network); add http_tls {cert, key} to serve https, or "http_plaintext_remote": true to accept plain HTTP`,
      ),
    );
  }
  if (tls && master.http_plaintext_remote === true) {
    issues.push({
      ...issue(
        'DPD_SPEC_CONFLICT',
        ['http_plaintext_remote'],
        'has no effect with http_tls: the API is served over TLS',
      ),
      severity: 'warning',
    });
  }
  return issues;
}

/**
 * Checks of a client file: a node's default job user is never root (a root job must ask for it, and the master allow
 * it).
 */
export function checkClient(client: unknown): Issue[] {
  // Root by name or by id, however written ("0", "00").
  const root =
    isObj(client) &&
    (client.job_user === 'root' ||
      client.job_user === 0 ||
      (typeof client.job_user === 'string' && /^[0-9]+$/.test(client.job_user) && Number(client.job_user) === 0));
  if (!root) return [];
  return [
    issue(
      'DPD_SPEC_VALUE',
      ['job_user'],
      `expected a user other than root (a job runs as root only when it asks for user "root" and the master file sets jobs_allow_root), found ${found(client.job_user)}`,
    ),
  ];
}
