#!/bin/sh
# Runs until killed.
exec sleep 100000
