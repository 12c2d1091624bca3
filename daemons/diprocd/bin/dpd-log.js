#!/usr/bin/env node
// dpd-log, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-log', process.argv.slice(2));
