// How a run's end is told: in -I status lines (as wait(2) gives it) and
// in dpd-run's own exit status (as a shell gives it).
import { constants as osConstants } from 'node:os';
import type { ExitStatus } from '@diprocd/supervisor';

/** DMon's exit status when the command cannot be executed at all. */
export const EXIT_CANNOT_RUN = 111;

/** The wait(2) status DMon writes in its status lines: code << 8, or the signal number. */
export const waitStatus = (exit: Pick<ExitStatus, 'code' | 'signal'>): number =>
  exit.signal ? (osConstants.signals[exit.signal] ?? 0) : (exit.code ?? 0) << 8;

/** A shell's exit status for how a run ended: its code, or 128 + the signal number. */
export const shellStatus = (exit: Pick<ExitStatus, 'code' | 'signal'> | null): number =>
  exit?.signal ? 128 + (osConstants.signals[exit.signal] ?? 0) : (exit?.code ?? 1);
