import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor, type SupervisorOptions } from '@diprocd/supervisor';

export { alive, httpServerPerFile, waitFor } from '@diprocd/test-utils';

/** A temp dir and the supervisors a test made in it, all cleaned up by `cleanup()`. */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'dpd-jobs-'));
  private readonly supervisors: Supervisor[] = [];

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  supervisor(options: Partial<SupervisorOptions> = {}): Supervisor {
    const supervisor = new Supervisor({ stateDir: this.path('state'), pollIntervalMs: 50, ...options });
    this.supervisors.push(supervisor);
    return supervisor;
  }

  async cleanup(): Promise<void> {
    for (const supervisor of this.supervisors) await supervisor.close({ stopProcesses: true }).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
