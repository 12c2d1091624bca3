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
mv "$dir" "$dir.old" && ln -s "$target" "$dir" || exit 2
i=0
while [ "$i" -lt "$lines" ]; do
  echo "line $i, written after the swap"
  i=$((i + 1))
done
exit 1
