// dpd-run --help: the options' lines are built from the table in
// src/run/options.ts; this pins them as users have read them.
import { describe, expect, it } from 'vitest';
import { RUN_OPTIONS } from '../../src/run/options.js';
import { USAGE } from '../../src/run/usage.js';

describe('dpd-run --help', () => {
  it('lists every option of the table, in its columns', () => {
    const block = USAGE.slice(USAGE.indexOf('  -n, --no-daemon'), USAGE.indexOf('\n\nOptions also come'));
    expect(block).toBe(`  -n, --no-daemon       stay in the foreground (default: become a daemon and
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
  -V, --version         print the version`);
  });

  it('names each option of the table, by its letter and its long name', () => {
    for (const spec of RUN_OPTIONS) expect(USAGE).toContain(`${spec.short ? `-${spec.short}, ` : '  '}--${spec.long}`);
  });
});
