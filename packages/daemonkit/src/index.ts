export { parseDaemonArgs, foregroundArgv, UsageError, type DaemonArgs } from './args.js';
export { besideFile, daemonMain, fileBase, type DaemonBody, type DaemonDefinition, type Loaded } from './daemon-main.js';
export { readinessNotifier, startDaemon, type StartOutcome } from './daemonize.js';
export { ControlError, request as controlRequest } from './control/client.js';
export { lineReader, type Command as ControlCommand, type Request as ControlRequest, type Response as ControlResponse, type Results as ControlResults, type WorkerInfo } from './control/protocol.js';
export { FileWatch } from './file-watch.js';
export { FollowedFile, type ReloadOutcome } from './followed-file.js';
export { Logger, type Fields, type Level } from './logger.js';
export { lockPidFile, type LockResult } from './pid-lock.js';
