#!/bin/sh
# exit-with.sh CODE [SECONDS]: waits SECONDS (default 0), then exits with CODE.
sleep "${2:-0}"
exit "$1"
