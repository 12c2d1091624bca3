#!/bin/sh
# fork-grandchild.sh FILE: starts a grandchild in its process group, writes the grandchild's pid to FILE.
sleep 100000 &
echo $! > "$1.tmp" && mv "$1.tmp" "$1"
wait
