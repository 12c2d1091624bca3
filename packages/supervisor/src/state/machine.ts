// The life of one supervised process as data: every state, every event, and
// for each pair either a cell (next state and the action it runs, 'none'
// when nothing is done) or an explicit refusal. Only `transition()` decides
// a next state; a refused pair raises DPD_ILLEGAL_TRANSITION. Why a process
// stops, and who paused it, are part of its state, so the table alone says
// what follows.
import { SupervisorError } from '../errors.js';

export const STATES = [
  'idle', // known, never started
  'waiting', // held back until its dependencies run
  'starting', // being spawned (or a forking daemon's pid file awaited)
  'respawning', // restarting after its run ended: the spawn follows on the next turn
  'running',
  'paused', // stopped by SIGSTOP by an operator; only an operator resumes it
  'paused-by-load', // stopped by SIGSTOP because the load is high; resumed when it drops
  'backoff', // waiting before a restart after a quick failure, or a start that failed for a transient reason
  'stopping', // stop signal sent, waiting for the group to exit; then stopped
  'stopping-to-restart', // the same, then started again
  'stopping-to-remove', // the same, then removed
  'stopping-on-timeout', // the same after its timeout; then its restart policy decides
  'stopped', // stopped by an operator (or by apply before removal)
  'exited', // exited as planned: a one-shot that succeeded
  'failed', // exited with a failure and its policy does not restart it
  'gave-up', // restarted too often; waits for reset or a changed spec
  'spawn-failed', // could not be started at all
  'removed', // no longer in the desired list
] as const;
export type ProcState = (typeof STATES)[number];

/** The states status() and `proc.state` show: the variants of one are shown as it. */
export type ShownState = Exclude<
  ProcState,
  'respawning' | 'paused-by-load' | 'stopping-to-restart' | 'stopping-to-remove' | 'stopping-on-timeout'
>;
const SHOWN: Partial<Record<ProcState, ShownState>> = {
  respawning: 'starting',
  'paused-by-load': 'paused',
  'stopping-to-restart': 'stopping',
  'stopping-to-remove': 'stopping',
  'stopping-on-timeout': 'stopping',
};
export const shownAs = (state: ProcState): ShownState => SHOWN[state] ?? (state as ShownState);

export const EVENTS = [
  // commands (operator, apply, dependencies)
  'start',
  'wait',
  'stop',
  'remove',
  'restart',
  'reset',
  'update', // a changed spec, its dependencies running
  'update-unready', // a changed spec, its dependencies not all running
  'pause',
  'resume',
  // the load gate
  'load-high',
  'load-low',
  // what happens to the run
  'adopt',
  'spawned', // the program runs (a daemon: its pid file names it)
  'launched', // a forking daemon's launcher runs
  'forked', // a forking daemon's launcher exited 0
  'spawn-error', // could not be started, for a reason that stays (a missing program, EACCES, ENOEXEC…)
  'spawn-error:transient', // could not be started for a reason the machine lifts (EMFILE, EAGAIN, ENOSPC…)
  'exit', // the program (or a daemon's launcher, failing) ended unasked
  'lost', // the spawn helper is gone; the program is watched through /proc
  'timeout',
  'stop-done', // the stopped run and its group are gone
  'backoff-elapsed',
  'respawn-due',
  // the restart policy's verdict on a run that ended unasked (or on its timeout)
  'exit:restart',
  'exit:backoff',
  'exit:done',
  'exit:failed',
  'exit:give-up',
] as const;
export type ProcEvent = (typeof EVENTS)[number];

/** What the process controller does on a transition. */
export type Action =
  | 'none' // the event changes nothing here
  | 'spawn' // start a run
  | 'fresh-start' // forget the restart history, take a changed spec, start a run
  | 'respawn' // end the run (if one is open); start the next on the next turn
  | 'take-spec' // a changed spec replaces the current one; nothing moves
  | 'forget' // forget the restart history
  | 'await-pid' // watch for a forking daemon's pid file
  | 'watch' // the run is live: arm its timeout, record it
  | 'signal-stop' // stop signal to the group, then SIGKILL after the grace period
  | 'stop-paused' // the same, and SIGCONT: a stopped process cannot act on the stop signal
  | 'stop-spawned' // asked to stop while being started: what was sent to nothing is sent now
  | 'check-stop' // look again whether the stopping run is gone
  | 'judge' // end the run; the restart policy's verdict (exit:*) follows
  | 'schedule-restart' // arm the backoff timer
  | 'halt' // SIGSTOP to the group
  | 'continue' // SIGCONT to the group
  | 'cancel' // clear timers; nothing is running
  | 'settle' // the run is over and nothing follows: clear timers, forget the pid
  | 'give-up' // settle, and say it gave up
  | 'stand-down' // settle, and say it stopped
  | 'retire'; // settle, say it stopped, end its log relay and load gate for good

export interface Edge {
  to: ProcState;
  action: Action;
}

const SAME = Symbol('same state');
type Cell = readonly [to: ProcState | typeof SAME, action: Action];
type Column = readonly (readonly [states: readonly ProcState[], cell: Cell | 'refuse'])[];

const LIVE = ['starting', 'running', 'paused', 'paused-by-load'] as const;
const STOPPING = ['stopping', 'stopping-to-restart', 'stopping-to-remove', 'stopping-on-timeout'] as const;
// Stop states a starting process may be in before its spawn is answered.
const STOPPING_EARLY = ['stopping', 'stopping-to-restart', 'stopping-to-remove'] as const;
// Down after a run that ended (or never began): a reset or a changed spec starts these again.
const ENDED = ['exited', 'failed', 'gave-up', 'spawn-failed'] as const;
const DOWN = ['idle', 'stopped', ...ENDED] as const;
// Nothing runs and nothing is being stopped.
const QUIET = [...DOWN, 'waiting', 'backoff'] as const;
// A run ended unasked is judged in these (a live one, or one stopped for its timeout).
const JUDGED = [...LIVE, 'stopping-on-timeout'] as const;
const ALL = STATES.filter((state) => state !== 'removed');

/** True while a run is under way and not being stopped (being spawned, running or paused). */
export const isLive = (state: ProcState): boolean => (LIVE as readonly ProcState[]).includes(state);

/** Every state but removed that is not in `named`. */
const others = (...named: (readonly ProcState[])[]): ProcState[] =>
  ALL.filter((state) => !named.some((list) => list.includes(state)));

const verdict = (to: ProcState, action: Action): Column => [
  [JUDGED, [to, action]],
  [others(JUDGED), 'refuse'],
];
// What happens to a run: one cell for the live states, one for the stopping ones.
const runFact = (
  liveStates: readonly ProcState[],
  live: Cell,
  stopStates: readonly ProcState[],
  stopping: Cell,
): Column => [
  [liveStates, live],
  [stopStates, stopping],
  [others(liveStates, stopStates), 'refuse'],
];
// A start that failed while a stop was asked: the stop is done, nothing runs.
const failedWhileStopping = (live: Cell): Column => [
  [['starting'], live],
  [['stopping'], ['stopped', 'stand-down']],
  [['stopping-to-restart'], ['respawning', 'respawn']],
  [['stopping-to-remove'], ['removed', 'retire']],
  [others(['starting'], STOPPING_EARLY), 'refuse'],
];
const only = (state: ProcState, cell: Cell): Column => [
  [[state], cell],
  [others([state]), 'refuse'],
];

// A run under way is stopped and started again; one being stopped starts again once it is down.
const STOP_AND_START: Column = [
  [
    ['starting', 'running'],
    ['stopping-to-restart', 'signal-stop'],
  ],
  [
    ['paused', 'paused-by-load'],
    ['stopping-to-restart', 'stop-paused'],
  ],
  [['respawning'], [SAME, 'none']],
  [STOPPING, ['stopping-to-restart', 'none']],
];

/**
 * Each event's column: which states take it, to what, and which refuse it. Every state but removed is named once per
 * event (removed refuses all).
 */
const COLUMNS: Record<ProcEvent, Column> = {
  start: [
    [['idle'], ['starting', 'spawn']],
    [
      ['waiting', 'backoff', 'stopped', ...ENDED],
      ['starting', 'fresh-start'],
    ],
    [
      [...LIVE, 'respawning'],
      [SAME, 'none'],
    ],
    [STOPPING, ['stopping-to-restart', 'none']],
  ],
  wait: [
    [DOWN, ['waiting', 'cancel']],
    [['waiting'], [SAME, 'none']],
    [[...LIVE, 'respawning', 'backoff', ...STOPPING], 'refuse'],
  ],
  stop: [
    [
      ['starting', 'running'],
      ['stopping', 'signal-stop'],
    ],
    [
      ['paused', 'paused-by-load'],
      ['stopping', 'stop-paused'],
    ],
    [
      [...QUIET, 'respawning'],
      ['stopped', 'stand-down'],
    ],
    [STOPPING, ['stopping', 'none']],
  ],
  remove: [
    [
      ['starting', 'running'],
      ['stopping-to-remove', 'signal-stop'],
    ],
    [
      ['paused', 'paused-by-load'],
      ['stopping-to-remove', 'stop-paused'],
    ],
    [
      [...QUIET, 'respawning'],
      ['removed', 'retire'],
    ],
    [STOPPING, ['stopping-to-remove', 'none']],
  ],
  restart: [
    ...STOP_AND_START,
    [['idle'], ['starting', 'spawn']],
    [
      ['waiting', 'backoff', 'stopped', ...ENDED],
      ['starting', 'fresh-start'],
    ],
  ],
  reset: [
    [ENDED, ['starting', 'fresh-start']],
    [
      ['idle', 'waiting', 'backoff', 'stopped', 'respawning', ...LIVE, ...STOPPING],
      [SAME, 'forget'],
    ],
  ],
  update: [
    ...STOP_AND_START,
    [
      ['waiting', 'backoff', ...ENDED],
      ['starting', 'fresh-start'],
    ],
    [
      ['idle', 'stopped'],
      [SAME, 'take-spec'],
    ],
  ],
  'update-unready': [
    ...STOP_AND_START,
    [
      ['backoff', ...ENDED],
      ['starting', 'fresh-start'],
    ],
    [
      ['idle', 'waiting', 'stopped'],
      [SAME, 'take-spec'],
    ],
  ],
  pause: only('running', ['paused', 'halt']),
  resume: [
    [
      ['paused', 'paused-by-load'],
      ['running', 'continue'],
    ],
    [others(['paused', 'paused-by-load']), 'refuse'],
  ],
  'load-high': [
    [['running'], ['paused-by-load', 'halt']],
    [others(['running']), [SAME, 'none']],
  ],
  'load-low': [
    [['paused-by-load'], ['running', 'continue']],
    [others(['paused-by-load']), [SAME, 'none']],
  ],
  adopt: only('idle', ['running', 'watch']),
  spawned: runFact(['starting'], ['running', 'watch'], STOPPING_EARLY, [SAME, 'stop-spawned']),
  launched: runFact(['starting'], [SAME, 'await-pid'], STOPPING_EARLY, [SAME, 'stop-spawned']),
  forked: runFact(['starting'], [SAME, 'none'], STOPPING_EARLY, [SAME, 'check-stop']),
  'spawn-error': failedWhileStopping(['spawn-failed', 'settle']),
  // Tried again after the backoff (policy/restart-policy.ts, decideAfterSpawnError).
  'spawn-error:transient': failedWhileStopping(['backoff', 'schedule-restart']),
  exit: runFact(LIVE, [SAME, 'judge'], STOPPING, [SAME, 'check-stop']),
  lost: runFact(LIVE, [SAME, 'none'], STOPPING, [SAME, 'check-stop']),
  timeout: only('running', ['stopping-on-timeout', 'signal-stop']),
  'stop-done': [
    [['stopping'], ['stopped', 'stand-down']],
    [['stopping-to-restart'], ['respawning', 'respawn']],
    [['stopping-to-remove'], ['removed', 'retire']],
    [['stopping-on-timeout'], [SAME, 'judge']],
    [[...QUIET, 'respawning', ...LIVE], 'refuse'],
  ],
  'backoff-elapsed': only('backoff', ['starting', 'spawn']),
  'respawn-due': only('respawning', ['starting', 'spawn']),
  'exit:restart': verdict('respawning', 'respawn'),
  'exit:backoff': verdict('backoff', 'schedule-restart'),
  'exit:done': verdict('exited', 'settle'),
  'exit:failed': verdict('failed', 'settle'),
  'exit:give-up': verdict('gave-up', 'give-up'),
};

function build(): { cells: Map<string, Edge>; refused: Set<string> } {
  const cells = new Map<string, Edge>();
  const refused = new Set<string>();
  for (const event of EVENTS) {
    for (const [states, cell] of [...COLUMNS[event], [['removed'], 'refuse'] as const]) {
      for (const state of states) {
        const key = `${state}|${event}`;
        if (cells.has(key) || refused.has(key))
          throw new SupervisorError('DPD_ILLEGAL_TRANSITION', `the table names ${key} twice`);
        if (cell === 'refuse') refused.add(key);
        else cells.set(key, { to: cell[0] === SAME ? state : cell[0], action: cell[1] });
      }
    }
  }
  return { cells, refused };
}
const TABLE = build();

/** state|event → next state and action. */
export const TRANSITIONS: ReadonlyMap<string, Edge> = TABLE.cells;
/** state|event pairs refused by name (a removed process refuses every event). */
export const REFUSED: ReadonlySet<string> = TABLE.refused;

/** The next state and action, or DPD_ILLEGAL_TRANSITION naming the process, state and event. */
export function transition(name: string, state: ProcState, event: ProcEvent): Edge {
  const edge = TRANSITIONS.get(`${state}|${event}`);
  if (!edge) {
    // Said in the states status() shows, with the variant when there is one ("paused (paused-by-load)").
    const shown = shownAs(state) === state ? state : `${shownAs(state)} (${state})`;
    throw new SupervisorError('DPD_ILLEGAL_TRANSITION', `${name}: cannot ${event} while ${shown}`);
  }
  return edge;
}
