// dpd-clientd: the daemon life of daemonkit around the Client.
import { besideFile, daemonMain } from '@diprocd/daemonkit';
import type { ClientFile } from '@diprocd/procspec';
import { Client, loadClientFile } from './client.js';

const USAGE = `Usage: dpd-clientd [-f] [-v] [--log-format human|json] client.json

Receives this node's process list from dpd-masterd and writes it into the
worker file (conf_file), atomically and only when it changed, keeping the
file's other keys; reads the local dpd-workerd's status through its
control socket and reports it to the master. When the master is gone the
node keeps running its last list.

  -f, --foreground   stay in the foreground, log to stderr (default: run as a
                     daemon, log to log_file, return once it is ready)
  -v, --verbose      log every unchanged state and file check
  --log-format FMT   human (default on a terminal) or json (one event a line)
  -h, --help
  -V, --version      print the version

Example:
  dpd-clientd -f -v /etc/diprocd/diprocd-client.json`;

export const main = (argv: string[]) =>
  daemonMain<ClientFile>(
    {
      name: 'dpd-clientd',
      role: 'client',
      what: 'client file',
      usage: USAGE,
      load: loadClientFile,
      paths: besideFile,
      start: (file, client, text, log) => Client.start(file, client, text, log),
    },
    argv,
    process,
  );

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`dpd-clientd: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(70);
  },
);
