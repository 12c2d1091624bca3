// Load signals. Each returns undefined where the machine cannot tell.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export type Sampler = () => number | undefined;

/** The 1-minute load average (as DMon uses). */
export const loadavg1: Sampler = () => loadavg()[0];

/**
 * Linux pressure-stall information for CPU: the share of the last 10 s in
 * which some task waited for a CPU (`some avg10` of /proc/pressure/cpu), a
 * percentage. Undefined where the kernel has no PSI.
 */
export const psiCpu: Sampler = () => {
  try {
    const some = /^some avg10=([0-9.]+)/m.exec(readFileSync('/proc/pressure/cpu', 'latin1'));
    return some ? Number(some[1]) : undefined;
  } catch {
    return undefined;
  }
};

/** Samplers by the names a spec's `load.source` uses. */
export const SOURCES: Record<'loadavg1' | 'psi-cpu', Sampler> = { loadavg1, 'psi-cpu': psiCpu };
