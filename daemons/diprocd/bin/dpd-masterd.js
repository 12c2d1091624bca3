#!/usr/bin/env node
// dpd-masterd, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-masterd', process.argv.slice(2));
