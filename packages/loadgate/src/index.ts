// The public API of @diprocd/loadgate: adding to it is a semver commitment.
export { LoadGate } from './gate.js';
export { shouldPause } from './decide.js';
export { SOURCES, loadavg1, psiCpu } from './sources.js';

export type { Pausable, GateClock, LoadGateOptions } from './gate.js';
export type { Thresholds } from './decide.js';
export type { Sampler } from './sources.js';
