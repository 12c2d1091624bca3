import { processCommand } from './process-command.js';

/**
 * `stop NAME`: stop a process; it stays stopped until `start`. The answer
 * comes once it has stopped (after its stop_timeout at most).
 *
 * Protocol: `{"id": 1, "cmd": "stop", "name": NAME}` → the process's status.
 */
export const stop = processCommand('stop', ['stop it; it stays stopped until start']);
