#!/usr/bin/env node
// No V8 flags here: a flag on the node command line makes V8 refuse Node's
// code cache for its built-in modules (about 25 ms more at every start). The
// worker sets the one it wants once its modules are loaded (src/workerd/main.ts).
// Committed so npm can link the bin at install time; the build writes dist/.
import("../dist/workerd.js");
