#!/bin/sh
# swap-for-symlink.sh DIR TARGET [LINES] [then]: the attack on a root
# supervisor that writes logs or pid files in DIR. Moves DIR aside (to
# DIR.old), puts a symlink to TARGET in its place, prints LINES lines and
# exits 1. A later run, finding the symlink, says so and exits 1, or with
# "stay" as the fourth argument runs until killed.
dir=$1 target=$2 lines=${3:-0} then=${4:-exit}
if [ -L "$dir" ]; then
  echo "written through the symlink"
  [ "$then" = stay ] && exec sleep 100000
  exit 1
fi
mv "$dir" "$dir.old" || exit 2
# The supervisor makes missing directories: one it made again meanwhile is moved aside too.
n=0
until ln -sT "$target" "$dir" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -le 10 ] && mv "$dir" "$dir.old$n" || exit 2
done
i=0
while [ "$i" -lt "$lines" ]; do
  echo "line $i, written after the swap"
  i=$((i + 1))
done
exit 1
