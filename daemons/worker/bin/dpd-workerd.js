#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt
// V8 flags for a small, long-lived daemon (BENCHMARKS.md): a young generation
// of 1 MiB per semi-space, not 16, and no optimizing compiler (the worker's
// JavaScript is bookkeeping; the spawn helper does the spawning). Together
// about 10 MiB less RSS with 200 processes. They must be set when V8 starts,
// hence here (env -S: GNU coreutils 8.30 or later). Run through node by hand,
// or where env has no -S (BusyBox), pass them yourself:
//   node --max-semi-space-size=1 --no-opt bin/dpd-workerd.js ...
// Committed so npm can link the bin at install time; the build writes dist/.
import("../dist/workerd.js");
