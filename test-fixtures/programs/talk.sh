#!/bin/sh
# talk.sh: one line to stdout, one to stderr, then runs until killed.
echo "to stdout"
echo "to stderr" >&2
exec sleep 100000
