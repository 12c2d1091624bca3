// The public API of @diprocd/supervisor: adding to it is a semver commitment.
export { Supervisor } from './supervisor.js';
export { SupervisorError, SUPERVISOR_ERROR_CODES } from './errors.js';
export {
  STATES,
  EVENTS as TRANSITION_EVENTS,
  TRANSITIONS,
  REFUSED as REFUSED_TRANSITIONS,
  shownAs,
  transition,
} from './state/machine.js';
export { decideAfterExit, decideAfterSpawnError, TRANSIENT_ERRNOS } from './policy/restart-policy.js';
export { systemClock } from './clock.js';

export type { SupervisorOptions, ProcStatus, ApplyResult } from './supervisor.js';
export type { SupervisorEvents, SupervisorEventName, ExitStatus } from './events.js';
export type { ProcState, ShownState, ProcEvent, Action } from './state/machine.js';
export type { ExitInfo, RestartHistory, Verdict, SpawnVerdict } from './policy/restart-policy.js';
export type { SupervisorErrorCode } from './errors.js';
export type { Clock } from './clock.js';
