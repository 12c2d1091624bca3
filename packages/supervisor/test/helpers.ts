import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseProc, type Proc, type ProcInput } from '@diprocd/procspec';
import {
  Supervisor,
  type SupervisorEventName,
  type SupervisorEvents,
  type SupervisorOptions,
} from '@diprocd/supervisor';

import { program } from '@diprocd/test-utils';

export { PROGRAMS, alive, httpServerPerFile, program, waitFor } from '@diprocd/test-utils';

/** A file's text, or '' when it is not there (a log may be rotated away between any two calls). */
export function readText(path: string, encoding: BufferEncoding = 'utf8'): string {
  try {
    return readFileSync(path, encoding);
  } catch {
    return '';
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A normalised spec with test-friendly defaults (runs as the current user, short grace periods). */
export const spec = (input: Partial<ProcInput> & { name: string }): Proc =>
  normaliseProc({ run: program('forever.sh'), user: process.getuid!(), stop_timeout: '2s', ...input } as ProcInput);

/** Temp dirs, supervisors and pids made by a test, all cleaned up by `cleanup()`. */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpd-sup-'));
  private readonly supervisors: Supervisor[] = [];
  readonly events: { name: SupervisorEventName; payload: unknown }[] = [];

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  supervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
    const supervisor = new Supervisor({ stateDir: this.path('state'), pollIntervalMs: 50, ...options });
    for (const name of [
      'proc.start',
      'proc.exit',
      'proc.restart',
      'proc.backoff',
      'proc.gave-up',
      'proc.stop',
      'proc.paused',
      'proc.resumed',
      'proc.adopted',
      'proc.error',
      'proc.log-start',
      'proc.log-exit',
      'proc.log-dropped',
    ] as const) {
      supervisor.on(name, (payload) => this.events.push({ name, payload }));
    }
    this.supervisors.push(supervisor);
    return supervisor;
  }

  /** Events of one kind, for one process. */
  seen<E extends SupervisorEventName>(name: E, proc?: string): SupervisorEvents[E][] {
    return this.events
      .filter((e) => e.name === name && (proc === undefined || (e.payload as { name: string }).name === proc))
      .map((e) => e.payload as SupervisorEvents[E]);
  }

  async cleanup(): Promise<void> {
    for (const supervisor of this.supervisors) await supervisor.close({ stopProcesses: true }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
