#!/usr/bin/env node
// dpd-clientd, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-clientd', process.argv.slice(2));
