export { parseDaemonArgs, foregroundArgv, UsageError, type DaemonArgs } from './args.js';
export { readinessNotifier, startDaemon, type StartOutcome } from './daemonize.js';
export { FileWatch } from './file-watch.js';
export { Logger, type Fields, type Level } from './logger.js';
export { lockPidFile, type LockResult } from './pid-lock.js';
