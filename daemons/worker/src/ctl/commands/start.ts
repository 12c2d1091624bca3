import { processCommand } from './process-command.js';

/**
 * `start NAME`: start a stopped, failed or given-up process.
 *
 * Protocol: `{"id": 1, "cmd": "start", "name": NAME}` → the process's
 * status (`ProcStatus`); `DPD_UNKNOWN_PROCESS` for a name the worker does not supervise.
 */
export const start = processCommand('start', ['start a stopped (or failed, or given up) process']);
