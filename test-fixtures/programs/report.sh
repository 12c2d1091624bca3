#!/bin/sh
# report.sh FILE: writes what the process was started with, then runs until killed.
{
  echo "pid=$$"
  echo "uid=$(id -u)"
  echo "gid=$(id -g)"
  echo "groups=$(id -G)"
  echo "umask=$(umask)"
  echo "cwd=$(pwd)"
  echo "lc_all=$LC_ALL"
  echo "greeting=$GREETING"
  echo "nofile=$(ulimit -n)"
  echo "stdin=$(readlink /proc/$$/fd/0)"
} > "$1.tmp" && mv "$1.tmp" "$1"
exec sleep 100000
