#!/usr/bin/env node
// Node's defaults, no V8 flags (BENCHMARKS.md): any flag on the node command
// line makes V8 refuse Node's code cache for its built-in modules (about
// 25 ms more at every start); --max-semi-space-size=1 saved no memory with
// 200 processes, and --no-opt saved 4-5 MiB but made a restart about 1 ms
// slower, through the worker's JavaScript between an exit and the next start.
// Committed so npm can link the bin at install time; the build writes dist/.
import("../dist/workerd.js");
