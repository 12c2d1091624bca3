// The public API of @diprocd/supervisor: adding to it is a semver commitment.
export { Supervisor } from './supervisor.js';
export { SupervisorError, SUPERVISOR_ERROR_CODES } from './errors.js';
export { STATES, EVENTS as TRANSITION_EVENTS, TRANSITIONS, REFUSED as REFUSED_TRANSITIONS, transition } from './state/machine.js';
export { decideAfterExit } from './policy/restart-policy.js';
export { systemClock } from './clock.js';
export { LineLog, splitLines } from './relay/line-log.js';
export { JOB_STATES, isFinalJobState, jobPaths, jobProc, listJobIds, readJobLogTail, readJobRecord, removeJobFiles, writeJobRecord, writeJobSpec } from './jobs/job-files.js';
export { writeFileAtomic, writePidFile, readPidFile, removePidFile } from './os/atomic-file.js';

export type { JobRecord, JobRunOptions, JobState } from './jobs/job-files.js';
export type { SupervisorOptions, ProcStatus, ApplyResult } from './supervisor.js';
export type { SupervisorEvents, SupervisorEventName, ExitStatus } from './events.js';
export type { ProcState, ProcEvent, Action } from './state/machine.js';
export type { ExitInfo, RestartHistory, Verdict } from './policy/restart-policy.js';
export type { SupervisorErrorCode } from './errors.js';
export type { Clock } from './clock.js';
export type { LineLogOptions } from './relay/line-log.js';
