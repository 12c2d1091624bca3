// dpd-masterd: the daemon life of daemonkit around the Master.
import { dirname, basename, join } from 'node:path';
import { daemonMain } from '@diprocd/daemonkit';
import type { MasterFile } from '@diprocd/procspec';
import { Master, loadMasterFile } from './master.js';

const USAGE = `Usage: dpd-masterd [-f] [-v] [--log-format human|json] master.json

Publishes each node's process list from the master file over ZeroMQ, tracks
the nodes (alive, suspect, down) and their reported status, and serves a
read-only HTTP API (loopback by default): GET /api/hosts/, /api/nodes/NAME,
/api/status. An edit to the file reaches only the nodes it concerns; an
invalid file changes nothing.

  -f, --foreground   stay in the foreground, log to stderr (default: run as a
                     daemon, log to log_file, return once it is ready)
  -v, --verbose      log every node report and file check
  --log-format FMT   human (default on a terminal) or json (one event a line)
  -h, --help

Signals: SIGHUP re-reads the file now; SIGTERM and SIGINT stop the master
(the nodes keep running their last lists).

Example:
  dpd-masterd -f -v /etc/diprocd/diprocd-master.json`;

/** Beside the file when it does not say. */
function masterPaths(file: string, master: MasterFile) {
  const base = join(dirname(file), basename(file).replace(/\.json$/, ''));
  return { pidFile: master.pid_file ?? `${base}.pid`, logFile: master.log_file ?? `${base}.log` };
}

export const main = (argv: string[]) =>
  daemonMain<MasterFile>({ name: 'dpd-masterd', role: 'master', what: 'master file', usage: USAGE, load: loadMasterFile, paths: masterPaths, start: (file, master, text, log) => Master.start(file, master, text, log) }, argv, process);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-masterd: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
