#!/usr/bin/env node
// dpd-ctl, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-ctl', process.argv.slice(2));
