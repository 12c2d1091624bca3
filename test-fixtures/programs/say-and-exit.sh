#!/bin/sh
# say-and-exit.sh CODE [LINE...]: writes each LINE to stderr, then exits with CODE
# (a server that cannot bind: say-and-exit.sh 1 "bind() to 0.0.0.0:80 failed (98: Address already in use)").
code="$1"
shift
for line in "$@"; do
  echo "$line" >&2
done
exit "$code"
