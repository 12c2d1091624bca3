import { basename, dirname, join, resolve } from 'node:path';
import type { Loaded } from '@diprocd/daemonkit';
import { formatIssue, validateText, type WorkerFile } from '@diprocd/procspec';

/** A worker file checked by procspec: its value, or its issues as "file: path: reason" lines. */
export function loadWorkerFile(file: string, text: string): Loaded<WorkerFile> {
  const report = validateText(file, text, { kind: 'worker' });
  const lines = report.issues.map((issue) => formatIssue(issue, file));
  return report.valid ? { ok: true, value: report.value!, warnings: lines } : { ok: false, issues: lines };
}

/** Where a worker file's state, socket, pid file and log go when the file does not say: beside it. */
export function defaultPaths(file: string) {
  const base = join(dirname(resolve(file)), basename(file).replace(/\.json$/, ''));
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
