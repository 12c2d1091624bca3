// The life of one supervised process as data: every state, every event, and
// the table of legal transitions with the action each one runs. Only
// `transition()` decides a next state; anything not in the table is an
// illegal transition and raises DPD_ILLEGAL_TRANSITION.
import { SupervisorError } from '../errors.js';

export const STATES = [
  'idle', // known, never started
  'waiting', // held back until its dependencies run
  'starting', // being spawned (or a forking daemon's pid file awaited)
  'running',
  'paused', // stopped by SIGSTOP because the load is high
  'backoff', // waiting before a restart after a quick failure
  'stopping', // stop signal sent, waiting for the group to exit
  'stopped', // stopped by an operator (or by apply before removal)
  'exited', // exited as planned: a one-shot that succeeded
  'failed', // exited with a failure and its policy does not restart it
  'gave-up', // restarted too often; waits for reset or a changed spec
  'spawn-failed', // could not be started at all
  'removed', // no longer in the desired list
] as const;
export type ProcState = (typeof STATES)[number];

export const EVENTS = [
  'start',
  'wait',
  'spawned',
  'spawn-error',
  'adopt',
  'exit:restart',
  'exit:backoff',
  'exit:done',
  'exit:failed',
  'exit:give-up',
  'exit:stopped',
  'exit:removed',
  'backoff-elapsed',
  'stop',
  'remove',
  'timeout',
  'pause',
  'resume',
] as const;
export type ProcEvent = (typeof EVENTS)[number];

/** What the process controller does on a transition. */
export type Action =
  | 'spawn' // start a run
  | 'watch' // the run is live: arm its timeout, record it
  | 'signal-stop' // stop signal to the group, then SIGKILL after the grace period
  | 'schedule-restart' // arm the backoff timer
  | 'cancel' // clear timers; nothing is running
  | 'halt' // SIGSTOP to the group
  | 'continue' // SIGCONT to the group
  | 'settle'; // a run ended and nothing follows: clear timers, forget the pid

interface Edge {
  to: ProcState;
  action: Action;
}

const DOWN: readonly ProcState[] = ['idle', 'stopped', 'exited', 'failed', 'gave-up', 'spawn-failed'];
const LIVE: readonly ProcState[] = ['starting', 'running', 'paused'];
// Down after a run that ended (or never began): a reset or a changed spec starts these again.
const ENDED: readonly ProcState[] = ['exited', 'failed', 'gave-up', 'spawn-failed'];

/** True while a run is under way (being spawned, running or paused). */
export const isLive = (state: ProcState): boolean => LIVE.includes(state);
/** True when the process is down because its run ended (exited, failed, gave up, could not spawn). */
export const hasEnded = (state: ProcState): boolean => ENDED.includes(state);
// An exit ends a run in any live state, and in stopping when the stop was a timeout.
const EXITING: readonly ProcState[] = [...LIVE, 'stopping'];

function edges(from: readonly ProcState[], event: ProcEvent, edge: Edge): [string, Edge][] {
  return from.map((state) => [`${state}|${event}`, edge]);
}

/** state|event → next state and action. */
export const TRANSITIONS: ReadonlyMap<string, Edge> = new Map([
  ...edges([...DOWN, 'waiting', 'backoff'], 'start', { to: 'starting', action: 'spawn' }),
  ...edges([...DOWN, 'waiting'], 'wait', { to: 'waiting', action: 'cancel' }),
  ...edges(['idle'], 'adopt', { to: 'running', action: 'watch' }),
  ...edges(['starting'], 'spawned', { to: 'running', action: 'watch' }),
  ...edges(['starting'], 'spawn-error', { to: 'spawn-failed', action: 'settle' }),
  ...edges(EXITING, 'exit:restart', { to: 'starting', action: 'spawn' }),
  ...edges(EXITING, 'exit:backoff', { to: 'backoff', action: 'schedule-restart' }),
  ...edges(EXITING, 'exit:done', { to: 'exited', action: 'settle' }),
  ...edges(EXITING, 'exit:failed', { to: 'failed', action: 'settle' }),
  ...edges(EXITING, 'exit:give-up', { to: 'gave-up', action: 'settle' }),
  ...edges(['stopping'], 'exit:stopped', { to: 'stopped', action: 'settle' }),
  ...edges(['stopping'], 'exit:removed', { to: 'removed', action: 'settle' }),
  ...edges(['backoff'], 'backoff-elapsed', { to: 'starting', action: 'spawn' }),
  ...edges(LIVE, 'stop', { to: 'stopping', action: 'signal-stop' }),
  ...edges([...DOWN, 'waiting', 'backoff'], 'stop', { to: 'stopped', action: 'cancel' }),
  ...edges(LIVE, 'remove', { to: 'stopping', action: 'signal-stop' }),
  ...edges([...DOWN, 'waiting', 'backoff'], 'remove', { to: 'removed', action: 'cancel' }),
  ...edges(['running'], 'timeout', { to: 'stopping', action: 'signal-stop' }),
  ...edges(['running'], 'pause', { to: 'paused', action: 'halt' }),
  ...edges(['paused'], 'resume', { to: 'running', action: 'continue' }),
]);

/** The next state and action, or DPD_ILLEGAL_TRANSITION naming the process, state and event. */
export function transition(name: string, state: ProcState, event: ProcEvent): Edge {
  const edge = TRANSITIONS.get(`${state}|${event}`);
  if (!edge) {
    throw new SupervisorError('DPD_ILLEGAL_TRANSITION', `${name}: cannot ${event} while ${state}`);
  }
  return edge;
}
