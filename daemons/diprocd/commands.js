// The commands the diprocd package provides, each the bin of the package
// that holds it. One table for the dispatcher (bin/diprocd.js), the bin
// files beside it and the test that holds them in step.
import { fileURLToPath } from 'node:url';

export const COMMANDS = {
  'dpd-workerd': '@diprocd/worker/bin/dpd-workerd.js',
  'dpd-ctl': '@diprocd/worker/bin/dpd-ctl.js',
  'dpd-run': '@diprocd/run/bin/dpd-run.js',
  'dpd-log': '@diprocd/run/bin/dpd-log.js',
  'dpd-masterd': '@diprocd/cluster/bin/dpd-masterd.js',
  'dpd-clientd': '@diprocd/cluster/bin/dpd-clientd.js',
  'dpd-spec': '@diprocd/procspec/bin/dpd-spec.js',
};

/**
 * @param {keyof typeof COMMANDS} command
 * @param {string[]} args
 * Runs `command` (a name of COMMANDS) in this process with `args`: the
 * command sees itself as its own bin (process.argv[1]), so a daemon that
 * starts itself again in the background finds its real file.
 */
export function runCommand(command, args) {
  const url = import.meta.resolve(COMMANDS[command]);
  process.argv = [process.execPath, fileURLToPath(url), ...args];
  return import(url);
}
