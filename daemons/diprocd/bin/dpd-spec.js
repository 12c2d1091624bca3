#!/usr/bin/env node
// dpd-spec, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-spec', process.argv.slice(2));
