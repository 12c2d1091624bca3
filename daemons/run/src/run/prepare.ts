// What dpd-run does before it supervises: move to -W, set -E, open the -I
// status file and write the -p pid file. Each refusal is a RunError (exit 1).
import { writePidFile } from '@diprocd/supervisor/host';
import { RunError } from '../errors.js';
import type { RunArgs } from './options.js';
import { StatusFile } from './status-file.js';

/** -W and -E: dpd-run's own directory and environment, which the command inherits (as DMon). */
export function enterEnvironment(args: RunArgs): void {
  if (args.workDir !== null) {
    try {
      process.chdir(args.workDir);
    } catch (error) {
      throw new RunError(
        'DPD_RUN_WORK_DIR',
        `-W ${args.workDir}: cannot use it as the work directory: ${(error as NodeJS.ErrnoException).code}`,
        { cause: error },
      );
    }
  }
  for (const { name, value } of args.environ) {
    if (value === null) delete process.env[name];
    else process.env[name] = value;
  }
}

/** -I and -p: the status file, open, and the pid file, written (the status file is closed again if that fails). */
export function openFiles(args: RunArgs): StatusFile {
  let status: StatusFile;
  try {
    status = new StatusFile(args.statusFile);
  } catch (error) {
    throw new RunError(
      'DPD_RUN_STATUS_FILE',
      `-I ${args.statusFile}: cannot open it for writing: ${(error as NodeJS.ErrnoException).code}`,
      { cause: error },
    );
  }
  if (args.pidFile !== null) {
    try {
      writePidFile(args.pidFile, process.pid);
    } catch (error) {
      status.close();
      throw new RunError(
        'DPD_RUN_PID_FILE',
        `-p ${args.pidFile}: cannot write it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      );
    }
  }
  return status;
}
