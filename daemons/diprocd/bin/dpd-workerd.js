#!/usr/bin/env node
// dpd-workerd, as the package that holds it provides it (commands.js).
import { runCommand } from '../commands.js';

runCommand('dpd-workerd', process.argv.slice(2));
