#!/bin/sh
# forking-daemon.sh PIDFILE: a classic daemon. The launcher forks a child in a
# new session, the child writes its own pid to PIDFILE, the launcher exits 0.
setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 100000' "$1" &
exit 0
