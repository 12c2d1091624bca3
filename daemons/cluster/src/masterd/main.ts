// dpd-masterd: the daemon life of daemonkit around the Master.
import { besideFile, daemonMain } from '@diprocd/daemonkit';
import type { MasterFile } from '@diprocd/procspec';
import { Master, loadMasterFile } from './master.js';

const USAGE = `Usage: dpd-masterd [-f] [-v] [--log-format human|json] master.json

Publishes each node's process list from the master file over ZeroMQ, tracks
the nodes (alive, suspect, down) and their reported status, runs jobs on
live nodes, and serves an HTTP API (loopback by default; https with
http_tls): GET /api/hosts/, /api/nodes/NAME, /api/status; jobs at
/api/procs/ (writes and job logs need the api_token of the master file,
or DPD_API_TOKEN). An edit to the file reaches only the nodes it
concerns; an invalid file changes nothing.

  -f, --foreground   stay in the foreground, log to stderr (default: run as a
                     daemon, log to log_file, return once it is ready)
  -v, --verbose      log every node report and file check
  --log-format FMT   human (default on a terminal) or json (one event a line)
  -h, --help
  -V, --version      print the version

Signals: SIGHUP re-reads the file now; SIGTERM and SIGINT stop the master
(the nodes keep running their last lists).

Example:
  dpd-masterd -f -v /etc/diprocd/diprocd-master.json`;

export const main = (argv: string[]) =>
  daemonMain<MasterFile>(
    {
      name: 'dpd-masterd',
      role: 'master',
      what: 'master file',
      usage: USAGE,
      load: loadMasterFile,
      paths: besideFile,
      start: (file, master, text, log) => Master.start(file, master, text, log),
    },
    argv,
    process,
  );

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-masterd: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
