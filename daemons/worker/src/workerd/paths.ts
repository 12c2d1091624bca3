import { fileBase } from '@diprocd/daemonkit';
import { checkText, type WorkerFile } from '@diprocd/procspec';

/** A worker file checked by procspec: its value, or its issues as "file:path: reason" lines. */
export const loadWorkerFile = (file: string, text: string) => checkText('worker', file, text);

/** Where a worker file's state, socket, pid file and log go when the file does not say: beside it. */
export function defaultPaths(file: string) {
  const base = fileBase(file);
  return { stateDir: `${base}.state`, socket: `${base}.sock`, pidFile: `${base}.pid`, logFile: `${base}.log` };
}

/** The worker's paths: the file's keys, else the defaults beside it. */
export function workerPaths(file: string, worker: WorkerFile) {
  const defaults = defaultPaths(file);
  return {
    stateDir: worker.state_dir ?? defaults.stateDir,
    socket: worker.control_socket ?? defaults.socket,
    pidFile: worker.pid_file ?? defaults.pidFile,
    logFile: worker.log_file ?? defaults.logFile,
  };
}
