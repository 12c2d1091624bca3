/** Thresholds of a gate: pause above `pauseAbove`, resume at or below `resumeBelow`. */
export interface Thresholds {
  pauseAbove: number;
  resumeBelow: number;
}

/**
 * The gate's hysteresis as a pure function: whether to be paused after
 * seeing `load`, given whether it is paused now. Between the two
 * thresholds nothing changes, so a load hovering near one does not flap.
 * An unknown load (`undefined`) changes nothing either.
 */
export function shouldPause(
  paused: boolean,
  load: number | undefined,
  { pauseAbove, resumeBelow }: Thresholds,
): boolean {
  if (load === undefined || Number.isNaN(load)) return paused;
  if (!paused) return load > pauseAbove;
  return load > resumeBelow;
}
