#!/usr/bin/env -S node --max-semi-space-size=2
// A young generation of 2 MiB per semi-space, not V8's 16: the master's work
// comes in bursts (an edit re-encodes every node's list at once) and a large
// young generation keeps the burst's peak as RSS (141 MiB instead of 162
// after three edits at 1,000 nodes: tools/bench/results/cluster.json). The
// flag must be set when V8 starts, hence here; run through node by hand,
// pass it yourself. (A flag there also makes V8 refuse Node's code cache for
// its built-in modules, about 25 ms more at start; the master starts
// rarely.)
// Committed so npm can link the bin at install time; the build writes dist/.
import('../dist/masterd.js');
