import { readFileSync } from 'node:fs';
import { UsageError } from '@diprocd/procspec/runtime';
import { isFinalJobState } from '@diprocd/jobs';
import { CtlError } from '../../errors.js';
import type { MasterCommand } from '../command.js';
import { callMaster, masterUrl } from '../master-status.js';
import { columns, formatExit } from '../format.js';
import { apiToken, type TokenOptions } from '../token.js';

/**
 * `job submit SPEC.json [--node N] [--follow]`, `job list [--json]`, `job
 * show ID`, `job logs ID`, `job cancel ID`: jobs through the master
 * (--master URL, or DPD_MASTER). Writes and a job's log send the API token.
 *
 * Protocol (the master's HTTP API): submit `POST /api/procs/` with the spec
 * as JSON → `{id, node, process}` (with --follow, then `GET
 * /api/procs/ID/` and `GET /api/nodes/NODE` until the job ends); list `GET
 * /api/procs/?per_page=100` → `{total, procs}`; show `GET /api/procs/ID/`;
 * logs `GET /api/procs/ID/logfile/` (text); cancel `DELETE /api/procs/ID/`.
 * The token goes as `authorization: Bearer TOKEN`.
 */
export const job = {
  kind: 'master',
  name: 'job',
  help: [
    [
      'job submit SPEC.json',
      'run a job spec once on a live node; --node pins',
      'it, --follow prints its states until it ends',
      '(exit 1 when it failed)',
    ],
    ['job list [--json]', 'jobs, newest first'],
    ['job show ID | logs ID', "one job's record | its log (uploaded when it fails; needs the token)"],
    ['job cancel ID', 'stop it'],
  ],
  synopsis: [
    '--master URL job submit SPEC.json [--node NODE] [--follow]',
    '--master URL job list|show ID|logs ID|cancel ID',
  ],
  section: `Jobs, through the master (--master URL or DPD_MASTER; writes and a job's
log need the API token: DPD_API_TOKEN, or --token-file FILE holding it on
one line; --token TOKEN works but warns, since every user of the host can
read a command line):`,
  options: {
    token: { type: 'string' },
    'token-file': { type: 'string' },
    node: { type: 'string' },
    json: { type: 'boolean', default: false },
    follow: { type: 'boolean', short: 'f', default: false },
  },
  async run(values, [action, arg]) {
    const url = values.master ?? (process.env.DPD_MASTER || undefined);
    if (url === undefined)
      throw new UsageError('job commands talk to the master: give --master URL (or set DPD_MASTER)');
    if (values.node !== undefined && action !== 'submit') throw new UsageError('--node goes with job submit only');
    return jobCommand(action, arg, {
      master: masterUrl(url, values.master),
      token: apiToken(values, process.env, (line) => process.stderr.write(`dpd-ctl: warning: ${line}\n`)),
      json: values.json,
      follow: values.follow,
      node: values.node,
      out: (text) => process.stdout.write(text),
    });
  },
} satisfies MasterCommand<TokenOptions & { master?: string; node?: string; json: boolean; follow: boolean }>;

interface JobView {
  id: string;
  node: string;
  state: string;
  code: number | null;
  signal: string | null;
  reason: string | null;
  submittedAt: number;
  spec: { name: string | null; cmd: string[] };
}

// How often --follow asks the master (its nodes report once a heartbeat).
const FOLLOW_POLL_MS = 250;

interface JobOptions {
  master: string;
  token: string | null;
  json: boolean;
  follow: boolean;
  node: string | undefined;
  out: (text: string) => void;
}

/** A job spec file, with --node pinning it. */
function readSpec(path: string, node: string | undefined): string {
  let spec: unknown;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CtlError('DPD_JOB_SPEC', `${path}: cannot read it as a JSON job spec: ${why}`, { exitCode: 2 });
  }
  if (node !== undefined) {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
      throw new CtlError('DPD_JOB_SPEC', `${path}: a job spec is a JSON object`, { exitCode: 2 });
    spec = { ...spec, node };
  }
  return JSON.stringify(spec);
}

const line = (job: JobView) =>
  `job ${job.id} on ${job.node}: ${job.state}${
    isFinalJobState(job.state) ? ` (${job.reason ?? formatExit({ code: job.code, signal: job.signal })})` : ''
  }`;

/** Runs `job ACTION ARG`; resolves with the exit code (1 when a followed job failed). */
async function jobCommand(action: string | undefined, arg: string | undefined, options: JobOptions): Promise<number> {
  const { master, token, out } = options;
  const show = (value: unknown, text: () => string) =>
    out(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
  const needId = () => {
    if (arg === undefined) throw new CtlError('DPD_USAGE', `job ${action} needs a job ID`, { exitCode: 2 });
    return encodeURIComponent(arg);
  };
  switch (action) {
    case 'submit': {
      if (arg === undefined) throw new CtlError('DPD_USAGE', 'job submit needs a spec file', { exitCode: 2 });
      const created = (await callMaster(master, '/api/procs/', {
        method: 'POST',
        body: readSpec(arg, options.node),
        token,
      })) as { id: string; node: string; process: string };
      if (!options.follow) {
        show(created, () => `job ${created.id} submitted to ${created.node}: ${master}${created.process}`);
        return 0;
      }
      out(`job ${created.id} submitted to ${created.node}\n`);
      let last = '';
      let warnedDown = false;
      for (;;) {
        const job = (await callMaster(master, `/api/procs/${created.id}/`)) as JobView;
        if (job.state !== last) out(`${line(job)}\n`);
        last = job.state;
        // A node that is down cannot report: say so once (the job may still be running there), and keep waiting.
        const host = ((await callMaster(master, `/api/nodes/${encodeURIComponent(job.node)}`)) as { liveness: string })
          .liveness;
        if (host === 'down' && !warnedDown)
          out(
            `node ${job.node} is down: job ${job.id}'s state is unknown until it is back (Ctrl-C stops following; the job goes on)\n`,
          );
        warnedDown = host === 'down';
        if (isFinalJobState(job.state)) return job.state === 'success' ? 0 : 1;
        await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
      }
    }
    case 'list': {
      const page = (await callMaster(master, '/api/procs/?per_page=100')) as { total: number; procs: JobView[] };
      show(page, () => {
        if (page.procs.length === 0) return 'no jobs';
        const rows = page.procs.map((job) => [
          job.id,
          job.node,
          job.state,
          isFinalJobState(job.state) ? (job.reason ?? formatExit({ code: job.code, signal: job.signal })) : '-',
          new Date(job.submittedAt).toISOString(),
          job.spec.name ?? job.spec.cmd.join(' '),
        ]);
        const more = page.total > page.procs.length ? `\n(${page.total - page.procs.length} older jobs not shown)` : '';
        return columns([['ID', 'NODE', 'STATE', 'RESULT', 'SUBMITTED', 'JOB'], ...rows]).join('\n') + more;
      });
      return 0;
    }
    case 'show': {
      const job = await callMaster(master, `/api/procs/${needId()}/`);
      out(`${JSON.stringify(job, null, 2)}\n`);
      return 0;
    }
    case 'logs': {
      // A failed job's log may hold its secrets: the API serves it only with the token.
      const text = await callMaster(master, `/api/procs/${needId()}/logfile/`, { token });
      out(typeof text === 'string' ? text : `${JSON.stringify(text)}\n`);
      return 0;
    }
    case 'cancel': {
      const job = (await callMaster(master, `/api/procs/${needId()}/`, { method: 'DELETE', token })) as JobView;
      show(job, () => `${line(job)}${isFinalJobState(job.state) ? '' : ', cancel requested'}`);
      return 0;
    }
    default:
      throw new CtlError(
        'DPD_USAGE',
        `job ${
          action === undefined ? 'needs an action' : `has no action ${JSON.stringify(action)}`
        }: submit, list, show, logs or cancel`,
        { exitCode: 2 },
      );
  }
}
