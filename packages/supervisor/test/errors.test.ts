import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiprocdError } from '@diprocd/procspec';
import { SUPERVISOR_ERROR_CODES, SupervisorError } from '@diprocd/supervisor';

describe('error codes', () => {
  it('are documented in the README, and the README documents no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Error codes'));
    const documented = [...new Set(table.match(/`DPD_[A-Z_]+`/g)?.map((code) => code.slice(1, -1)))].sort();
    expect(documented).toEqual(Object.keys(SUPERVISOR_ERROR_CODES).sort());
  });
});

describe('SupervisorError', () => {
  it('is a DiprocdError as procspec exports it (one class across its entries)', () => {
    const error = new SupervisorError('DPD_UNKNOWN_PROCESS', 'x');
    expect(error).toBeInstanceOf(DiprocdError);
    expect(error.code).toBe('DPD_UNKNOWN_PROCESS');
  });
});

describe('the constructor', () => {
  it('takes the state directory first, as the README shows, or in the options', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Supervisor } = await import('@diprocd/supervisor');
    const dir = mkdtempSync(join(tmpdir(), 'dpd-ctor-'));
    try {
      const a = new Supervisor(join(dir, 'a'), { pollIntervalMs: 100 });
      const b = new Supervisor({ stateDir: join(dir, 'b') });
      expect([a.status(), b.status()]).toEqual([[], []]);
      expect(() => new Supervisor(join(dir, 'a'))).toThrow(expect.objectContaining({ code: 'DPD_STATE_DIR' }));
      await Promise.all([a.close(), b.close()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
