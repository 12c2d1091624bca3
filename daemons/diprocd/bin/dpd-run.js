#!/usr/bin/env node
// dpd-run, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-run', process.argv.slice(2));
