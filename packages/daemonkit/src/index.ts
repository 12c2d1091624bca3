export { parseDaemonArgs, foregroundArgv, UsageError, type DaemonArgs } from './args.js';
export {
  besideFile,
  daemonMain,
  fileBase,
  type DaemonBody,
  type DaemonDefinition,
  type Loaded,
} from './daemon-main.js';
export { readinessNotifier, startDaemon, type StartOutcome } from './daemonize.js';
export { request as controlRequest } from './control/client.js';
export { ControlError, DAEMONKIT_ERROR_CODES, DaemonkitError, type DaemonkitErrorCode } from './errors.js';
export { checkRequest, type Checked as CheckedControlRequest } from './control/check-request.js';
export {
  MAX_REQUEST_BYTES,
  lineReader,
  type Command as ControlCommand,
  type Request as ControlRequest,
  type Response as ControlResponse,
  type Results as ControlResults,
  type ProcStatusView,
  type WorkerInfo,
} from './control/protocol.js';
export { FileWatch } from './file-watch.js';
export { FollowedFile, type ReloadOutcome } from './followed-file.js';
export { Logger, type Fields, type Level, type LoggerOrigin } from './logger.js';
export { lockPidFile, type LockResult } from './pid-lock.js';
export type { HostView, ProcView } from './control/master-api.js';
