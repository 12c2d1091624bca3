// A job runner under a real Supervisor, for each test of the calling file:
// a sandbox with the jobs directory, and a directory the job's user (nobody
// under root) can read and write, for what a job reads or writes for the test.
import { chmodSync, mkdirSync } from 'node:fs';
import { normalise, normaliseProc, type JobInput } from '@diprocd/procspec';
import { jobProc, readJobRecord, writeJobSpec, type JobRunOptions } from '@diprocd/jobs';
import type { Supervisor } from '@diprocd/supervisor';
import { afterEach, beforeEach } from 'vitest';
import { Sandbox, waitFor } from './helpers.js';

export interface JobBench {
  box: Sandbox;
  sup: Supervisor;
  jobs: string;
  shared: string;
  /** Writes job `id` (with the node's `options`) and has the supervisor run it. */
  submit(id: string, input: JobInput, options?: JobRunOptions): Promise<void>;
  /** Its record once it has ended. */
  finished(id: string): Promise<NonNullable<ReturnType<typeof readJobRecord>>>;
}

export function jobBenchPerTest(use: (bench: JobBench) => void): void {
  let box: Sandbox | undefined;
  beforeEach(() => {
    box = new Sandbox();
    const sup = box.supervisor();
    const jobs = box.path('jobs');
    mkdirSync(jobs);
    chmodSync(box.dir, 0o711);
    const ids: string[] = [];
    const shared = box.path('shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    use({
      box,
      sup,
      jobs,
      shared,
      async submit(id, input, options) {
        writeJobSpec(jobs, id, normalise('job', input), options);
        // Every job submitted so far stays in the list, as a node's list keeps its jobs.
        ids.push(id);
        await sup.apply(ids.map((each) => normaliseProc(jobProc(jobs, each))));
      },
      finished: (id) =>
        waitFor(
          `job ${id} to finish`,
          () => {
            const record = readJobRecord(jobs, id);
            return (record?.state === 'success' || record?.state === 'failed') && record;
          },
          15_000,
        ),
    });
  });
  afterEach(async () => {
    await box?.cleanup();
  });
}
