// dpd-run --help: the options' lines come from the table in options.ts.
import { RUN_OPTIONS, type RunOption } from './options.js';

// Where an option's explanation starts; a longer option is followed by two spaces.
const HELP_COLUMN = 22;

function optionLines(spec: RunOption): string {
  const label = `${spec.short ? `-${spec.short}, ` : ''}--${spec.long}${spec.value ? ` ${spec.value}` : ''}`;
  const [first = '', ...more] = spec.help;
  const lead = label.length < HELP_COLUMN ? label.padEnd(HELP_COLUMN) : `${label}  `;
  return [`  ${lead}${first}`.trimEnd(), ...more.map((line) => `${' '.repeat(HELP_COLUMN + 2)}${line}`)].join('\n');
}

export const USAGE = `Usage: dpd-run [options] cmd [args...] [-- logcmd [args...]]

Runs cmd and runs it again whenever it ends, the DMon way: retry until it
succeeds (-1), kill a run that takes too long (-t), pause it while the
machine is overloaded (-L/-l), and pipe its output to a log command that
keeps one pipe across the command's restarts.

${RUN_OPTIONS.map(optionLines).join('\n')}

Options also come from the DMON_OPTIONS environment variable, before those
on the command line. Times are seconds, or take s, m, h, d or w (90s, 5m).

Exit status: 0 after success with -1 (and, without -n, as soon as the
daemon runs the command); cmd's last status (128 + signal for a signal)
when the -m limit is reached; 111 when cmd cannot be run at all (with -n;
without it, 1); 128 + the signal number when SIGTERM or SIGINT stopped
dpd-run (it stops cmd and the log command first); 1 when a file or
directory it is given (-W, -I, -P) cannot be used; 2 for bad usage or a
bad option value.

Example (a copy that survives failures and makes way for other work while
the load is above 4):
  dpd-run -n -1 -L 4.0 rsync -az /path/to/srcdir /path/to/destdir

Example (a daemon with its output in a timestamped log):
  dpd-run -e -p /run/crond.pid cron -f -- dpd-log -t /var/log/cron.log`;
