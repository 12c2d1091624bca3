#!/usr/bin/env -S node --max-semi-space-size=1 --no-opt
// V8 flags for a small, long-lived daemon (BENCHMARKS.md): a young generation
// of 1 MiB per semi-space, not 16, and no optimizing compilers (--lite-mode;
// the worker's JavaScript is bookkeeping, not computation, and the spawn
// helper does the heavy part). Together about 7 MiB less RSS with 200
// processes. --no-expose-wasm only silences V8's note that lite mode turns
// WebAssembly off. They must be set when V8 starts, hence here; run through
// node by hand, pass them yourself.
// Committed so npm can link the bin at install time; the build writes dist/.
import("../dist/workerd.js");
