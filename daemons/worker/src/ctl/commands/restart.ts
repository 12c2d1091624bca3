import { processCommand } from './process-command.js';

/**
 * `restart NAME`: stop a process and start it again.
 *
 * Protocol: `{"id": 1, "cmd": "restart", "name": NAME}` → the process's status.
 */
export const restart = processCommand('restart', []);
