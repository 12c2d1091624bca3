// The codes dpd-masterd and dpd-clientd raise are their registry's, and
// their README documents exactly those: a code added without its row, a
// row left for a code that is gone, or a literal code in the source that
// is neither ours nor a library's fails here. Then each code where an OS
// error enters, with real files (and, for a job's files, real daemons).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAEMONKIT_ERROR_CODES } from '@diprocd/daemonkit';
import { DiprocdError, ERROR_CODES, ISSUE_CODES } from '@diprocd/procspec';
import { SUPERVISOR_ERROR_CODES } from '@diprocd/supervisor';
import { codesInSource, documentedCodes, tempDir, waitFor } from '@diprocd/test-utils';
import { TRANSPORT_ERROR_CODES } from '@diprocd/transport';
import { writeProcs } from '../src/clientd/worker-file.js';
import { CLUSTER_ERROR_CODES, ClusterError } from '../src/errors.js';
import { JobStore } from '../src/jobs/job-store.js';
import { TOKEN, clusterPerTest, type Cluster } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The codes of the libraries the daemons use: theirs to document. */
const LIBRARIES = {
  ...ISSUE_CODES,
  ...ERROR_CODES,
  ...SUPERVISOR_ERROR_CODES,
  ...TRANSPORT_ERROR_CODES,
  ...DAEMONKIT_ERROR_CODES,
};

describe('error codes', () => {
  it("are the registry's, every one documented in the README and named in the source, and no other", () => {
    const registry = Object.keys(CLUSTER_ERROR_CODES).sort();
    const ours = codesInSource(join(ROOT, 'src')).filter((code) => !Object.hasOwn(LIBRARIES, code));
    expect({ documented: documentedCodes(join(ROOT, 'README.md')), inSource: ours }).toEqual({
      documented: registry,
      inSource: registry,
    });
  });

  it('ClusterError is a DiprocdError carrying its code and cause', () => {
    const cause = new Error('EACCES');
    const error = new ClusterError('DPD_WORKER_FILE', 'x', { cause });
    expect([error instanceof DiprocdError, error.name, error.code, error.cause]).toEqual([
      true,
      'ClusterError',
      'DPD_WORKER_FILE',
      cause,
    ]);
    // @ts-expect-error a code that is not in the registry does not compile
    expect(new ClusterError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
  });
});

describe('OS errors become coded errors where they enter', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('cluster-errors');
    writeFileSync(join(dir, 'not-a-dir'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const caught = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return {
        ok: error instanceof ClusterError,
        code: (error as ClusterError).code,
        cause: ((error as ClusterError).cause as NodeJS.ErrnoException).code,
        message: (error as Error).message.replaceAll(dir, 'DIR'),
      };
    }
    throw new Error('it did not throw');
  };

  it("the master's job records: DPD_JOB_STORE", () => {
    expect(caught(() => new JobStore(join(dir, 'not-a-dir', 'jobs')))).toEqual({
      ok: true,
      code: 'DPD_JOB_STORE',
      cause: 'ENOTDIR',
      message: 'cannot open the job records in DIR/not-a-dir/jobs: ENOTDIR',
    });
  });

  it('the worker file, unreadable or unwritable: DPD_WORKER_FILE', () => {
    expect(caught(() => writeProcs(dir, []))).toEqual({
      ok: true,
      code: 'DPD_WORKER_FILE',
      cause: 'EISDIR',
      message: 'DIR: cannot read it: EISDIR',
    });
    // A name of 250 bytes reads (ENOENT: a new file), but the temp file beside it would be over 255: the write fails,
    // as root too.
    const long = 'w'.repeat(245) + '.json';
    expect(caught(() => writeProcs(join(dir, long), [{ name: 'a' }]))).toEqual({
      ok: true,
      code: 'DPD_WORKER_FILE',
      cause: 'ENAMETOOLONG',
      message: `DIR/${long}: cannot write it: ENAMETOOLONG`,
    });
  });

  describe("a granted job's spec the node cannot write", () => {
    let cluster: Cluster;
    clusterPerTest((c) => (cluster = c));

    /** A call of the master's API, with the token; its JSON answer. */
    const api = async (path: string, body?: unknown) =>
      (
        await fetch(`${cluster.api}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ id?: string; state?: string }>;

    // Regression: the write failed in a promise callback, an unhandled rejection that ended dpd-clientd.
    it('is DPD_JOB_FILES, logged; the job is claimed again and runs once the node can write it', async () => {
      cluster.writeMaster({ node1: [] }, { api_token: TOKEN });
      await cluster.startMaster();
      const node = cluster.node('node1');
      const jobsDir = join(node.dir, 'worker.jobs');
      writeFileSync(jobsDir, 'a file where the jobs directory goes');
      await node.start();
      // Placed once the master has heard from the node (until then: 503, no job).
      const { id } = await waitFor('the job to be placed', async () => {
        const answer = await api('/api/procs/', { cmd: 'true' });
        return answer.id !== undefined && answer;
      });
      const refused = await node.client!.next('job.unwritable', 0, 10_000);
      expect([refused.code, String(refused.message).replaceAll(jobsDir, 'JOBS')]).toEqual([
        'DPD_JOB_FILES',
        `job ${id}: cannot write its spec in JOBS: EEXIST`,
      ]);
      rmSync(jobsDir);
      await waitFor('the job to succeed', async () => (await api(`/api/procs/${id}/`)).state === 'success', 15_000);
    });
  });
});
