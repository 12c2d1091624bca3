#!/bin/sh
# slow-daemon.sh PIDFILE SECONDS: a daemon that writes its pid file only
# SECONDS after its launcher has exited.
setsid sh -c 'sleep "$1"; echo $$ > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 100000' "$1" "$2" &
exit 0
