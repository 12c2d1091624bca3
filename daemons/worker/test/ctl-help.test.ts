// dpd-ctl --help: the synopsis and the command list are built from the
// files under src/ctl/commands/; this pins them as users have read them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CTL = fileURLToPath(new URL('../bin/dpd-ctl.js', import.meta.url));

describe('dpd-ctl --help', () => {
  it('gives the synopsis, the commands and the job commands, in their columns', () => {
    const result = spawnSync(process.execPath, [CTL, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.slice(0, result.stdout.indexOf('\n\nExit status:')))
      .toBe(`Usage: dpd-ctl [--socket PATH | --file WORKER.json] COMMAND
       dpd-ctl --master URL status [--json]
       dpd-ctl keygen [--dir DIR] NAME
       dpd-ctl --master URL job submit SPEC.json [--node NODE] [--follow]
       dpd-ctl --master URL job list|show ID|logs ID|cancel ID
       dpd-ctl --help | --version

Talks to the local dpd-workerd through its control socket (found from the
worker file: its control_socket, else WORKER.sock beside it; default file
/var/lib/diprocd/diprocd-worker.json).

With --master URL (or DPD_MASTER=URL, when neither --socket nor --file is
given), status asks dpd-masterd's HTTP API about every process on every
node instead.

Commands:
  status [--json]              state, pid, uptime, restarts, last exit, reason
  start NAME                   start a stopped (or failed, or given up) process
  stop NAME                    stop it; it stays stopped until start
  restart NAME
  reset NAME                   forget its failures; one that gave up starts again
  logs NAME [-f]               print its log file (and follow it with -f)
  reload                       re-read the worker file now
  shutdown [--stop-processes]  stop the worker (its processes keep running unless asked)
  keygen [--dir DIR] NAME      write a CURVE key pair: DIR/NAME.key (mode 0600) and
                               DIR/NAME.pub (default DIR: the current directory)

Jobs, through the master (--master URL or DPD_MASTER; writes and a job's
log need the API token: DPD_API_TOKEN, or --token-file FILE holding it on
one line; --token TOKEN works but warns, since every user of the host can
read a command line):
  job submit SPEC.json         run a job spec once on a live node; --node pins
                               it, --follow prints its states until it ends
                               (exit 1 when it failed)
  job list [--json]            jobs, newest first
  job show ID | logs ID        one job's record | its log (uploaded when it fails; needs the token)
  job cancel ID                stop it`);
  });
});

// Regression: a command dpd-ctl does not know was refused only once the socket was found, so without a worker file
// a typo was reported as "cannot read the worker file".
describe('dpd-ctl with a command it does not know', () => {
  it('says so at once, whatever the worker file', () => {
    const result = spawnSync(process.execPath, [CTL, '--file', '/nonexistent/worker.json', 'stats'], {
      encoding: 'utf8',
    });
    // As any usage error of dpd-ctl: the line, then the usage.
    const [said, blank, usage] = result.stderr.split('\n');
    expect([result.status, result.stdout, said, blank, usage]).toEqual([
      2,
      '',
      'dpd-ctl: unknown command "stats"',
      '',
      'Usage: dpd-ctl [--socket PATH | --file WORKER.json] COMMAND',
    ]);
  });
});
