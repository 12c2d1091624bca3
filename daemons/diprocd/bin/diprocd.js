#!/usr/bin/env node
// diprocd COMMAND [ARGS…]: any diprocd command through one package, for
// `npx diprocd workerd -f worker.json` or `npx diprocd dpd-ctl status`.
import { readFileSync } from 'node:fs';
import { COMMANDS, runCommand } from '../commands.js';

const [first, ...rest] = process.argv.slice(2);
const names = /** @type {(keyof typeof COMMANDS)[]} */ (Object.keys(COMMANDS));
const command = names.find((name) => first === name || first === name.slice('dpd-'.length));
const version = () => JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
const usage = `usage: diprocd COMMAND [ARGS...]
Runs one of diprocd's commands (each also installed under its own name):
${names.map((name) => `  ${name.slice('dpd-'.length).padEnd(8)} ${name}`).join('\n')}
  diprocd --version | --help`;

if (command) await runCommand(command, rest);
else if (first === '--version' || first === '-V') process.stdout.write(`diprocd ${version()}\n`);
else if (first === '--help' || first === '-h') process.stdout.write(`${usage}\n`);
else {
  process.stderr.write(
    first === undefined ? `${usage}\n` : `diprocd: unknown command ${JSON.stringify(first)}; see diprocd --help\n`,
  );
  process.exitCode = 2;
}
