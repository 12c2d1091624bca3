import { controlRequest as request } from '@diprocd/daemonkit';
import { printed, type WorkerCommand } from '../command.js';
import { statusTable } from '../format.js';
import { clusterTable, fetchClusterStatus } from '../master-status.js';

/**
 * `status [--json]`: every process of the local worker, as a table or as
 * the worker's JSON; with a master named, every process on every node.
 *
 * Protocol (control socket): `{"id": 1, "cmd": "status"}` →
 * `{"id": 1, "ok": true, "result": {"worker": {pid, file, stateDir,
 * startedAt, fileIssues}, "procs": [ProcStatus…]}}`. With a master: `GET
 * /api/hosts/` and `GET /api/status` of its HTTP API, both at once.
 */
export const status = {
  kind: 'worker',
  name: 'status',
  takesName: false,
  help: [['status [--json]', 'state, pid, uptime, restarts, last exit, reason']],
  synopsis: ['--master URL status [--json]'],
  options: { json: { type: 'boolean', default: false } },
  async run({ socket, values }) {
    const result = await request(socket, { cmd: 'status' });
    process.stdout.write(printed(values.json, result, () => statusTable(result.procs)));
    if (!values.json && result.worker.fileIssues) {
      process.stderr.write(
        `dpd-ctl: ${
          result.worker.file
        } is invalid; the worker runs its last good state:\n${result.worker.fileIssues.join('\n')}\n`,
      );
    }
    return 0;
  },
  async onMaster(master, values) {
    const cluster = await fetchClusterStatus(master);
    process.stdout.write(printed(values.json, cluster, () => clusterTable(cluster)));
    return 0;
  },
} satisfies WorkerCommand<{ json: boolean }>;
