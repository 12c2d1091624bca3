#!/bin/sh
# Ignores SIGTERM (and so does everything it runs): only SIGKILL stops it.
trap '' TERM
echo ready
while :; do sleep 1; done
