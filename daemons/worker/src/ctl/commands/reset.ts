import { processCommand } from './process-command.js';

/**
 * `reset NAME`: forget a process's failures; one that gave up starts again.
 *
 * Protocol: `{"id": 1, "cmd": "reset", "name": NAME}` → the process's status.
 */
export const reset = processCommand('reset', ['forget its failures; one that gave up starts again']);
