#!/usr/bin/env node
// Committed so npm can link the bin at install time; the build writes dist/.
import('../dist/log.js');
