export const USAGE = `Usage: dpd-run [options] cmd [args...] [-- logcmd [args...]]

Runs cmd and runs it again whenever it ends, the DMon way: retry until it
succeeds (-1), kill a run that takes too long (-t), pause it while the
machine is overloaded (-L/-l), and pipe its output to a log command that
keeps one pipe across the command's restarts.

  -n, --no-daemon       stay in the foreground (default: become a daemon and
                        return once the command runs)
  -1, --once            exit 0 once cmd succeeds (exit code 0); a failure
                        (non-zero code, signal, timeout) runs it again
  -e, --stderr-redir    send cmd's stderr to the log command too (default:
                        stdout only; stderr goes where dpd-run's goes)
  -t, --timeout T       stop a run that lasts longer than T (SIGTERM to its
                        process group, SIGKILL 10 s later), then run it again
  -i, --interval T      after a successful run, wait T before the next one
                        (not with -1)
  -m, --max-respawns N  respawn at most N times; then exit with cmd's last
                        exit status (default: no limit)
  -L, --load-high F     pause cmd (SIGSTOP to its process group) while the
                        1-minute load average is above F ...
  -l, --load-low F      ... and resume it (SIGCONT) at or below F (default
                        F/2 of -L). The log command is never paused
  --load-source S       loadavg1 (default), psi-cpu (CPU pressure, some
                        avg10), or file:PATH (the number PATH holds, read
                        each second: a load another tool measures)
  -p, --pid-file FILE   write dpd-run's own pid to FILE: kill $(cat FILE)
                        stops dpd-run, cmd and the log command
  -W, --work-dir DIR    work in DIR; relative paths are from DIR
  -E, --environ VAR[=VALUE]  set VAR (or with no value remove it) for
                        dpd-run and cmd; may be repeated
  -r, --limit NAME=VALUE  resource limit for cmd (e.g. nofile=1024,
                        as=2g, cpu=1h); may be repeated; -r help lists them
  -u, --cmd-user USER[:GROUP...]  run cmd as USER with these groups (the
                        first is the primary one); needs root
  -U, --log-user USER[:GROUP...]  run the log command so (default: as
                        dpd-run runs)
  -s, --cmd-sigs        forward SIGCONT, SIGALRM, SIGQUIT, SIGUSR1, SIGUSR2
                        and SIGHUP to cmd's process group (default: ignore them)
  -S, --log-sigs        forward those signals to the log command
  -I, --write-info FILE append status lines to FILE: "cmd start PID",
                        "cmd exit PID STATUS" (STATUS as wait(2) gives it),
                        "cmd timeout PID", "cmd pause PID", "cmd resume PID",
                        "cmd stop PID", and "log start|exit|stop ..." alike
  -C, --config FILE     read options from FILE first (must come first):
                        long names, each followed by its value, # comments,
                        e.g. "once  timeout 5m  load-high 4.0"
  -h, --help
  -V, --version         print the version

Options also come from the DMON_OPTIONS environment variable, before those
on the command line. Times are seconds, or take s, m, h, d or w (90s, 5m).

Exit status: 0 after success with -1 (and, without -n, as soon as the
daemon runs the command); cmd's last status (128 + signal for a signal)
when the -m limit is reached; 111 when cmd cannot be run at all; 128 + the
signal number when SIGTERM or SIGINT stopped dpd-run (it stops cmd and the
log command first); 1 for a bad option value; 2 for bad usage.

Example (a copy that survives failures and makes way for other work while
the load is above 4):
  dpd-run -n -1 -L 4.0 rsync -az /path/to/srcdir /path/to/destdir

Example (a daemon with its output in a timestamped log):
  dpd-run -e -p /run/crond.pid cron -f -- dpd-log -t /var/log/cron.log`;
