export { UsageError } from '@diprocd/daemonkit';
export const USAGE = `Usage: dpd-workerd [-f] [-v] [--log-format human|json] worker.json

Supervises the processes the worker file lists, and follows the file: an
edit moves only the processes it changes; an invalid file changes nothing.

  -f, --foreground   stay in the foreground, log to stderr (default: run as a
                     daemon, log to log_file, return once it is ready)
  -v, --verbose      log every state change and file check
  --log-format FMT   human (default on a terminal) or json (one event a line)
  -h, --help
  -V, --version      print the version

Signals: SIGHUP re-reads the file now; SIGTERM and SIGINT stop the worker
and leave its processes running (the next worker adopts them), unless the
file says "stop_on_exit": true.

Example:
  dpd-workerd -f -v /var/lib/diprocd/diprocd-worker.json`;
