#!/usr/bin/env node
// Node's defaults, no V8 flags (measured with 200 processes: the runs and
// notes of tools/bench/results/peers.json): any flag on the node command
// line makes V8 refuse Node's code cache for its built-in modules (about
// 25 ms more at every start). In these runs
// --max-semi-space-size=1 saved no memory, and --no-opt saved 4-5 MiB but
// made a restart about 1 ms slower (the worker's JavaScript between an exit
// and the next start).
// Committed so npm can link the bin at install time; the build writes dist/.
import('../dist/workerd.js');
