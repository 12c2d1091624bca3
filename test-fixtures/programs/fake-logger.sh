#!/bin/sh
# A stand-in for logger(1): records its arguments and input in $FAKE_LOGGER_OUT.
echo "args: $*" > "$FAKE_LOGGER_OUT"
cat >> "$FAKE_LOGGER_OUT"
