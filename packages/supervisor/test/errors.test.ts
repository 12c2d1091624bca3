// The codes the supervisor raises or reports are its registry's, and its
// README documents exactly those: a code added without its row, a row left
// for a code that is gone, or a literal code the registry lacks fails here.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiprocdError, ERROR_CODES, ISSUE_CODES } from '@diprocd/procspec';
import { SUPERVISOR_ERROR_CODES, SupervisorError } from '@diprocd/supervisor';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('error codes', () => {
  it("are the registry's, every one documented in the README and named in the source, and no other", () => {
    const registry = Object.keys(SUPERVISOR_ERROR_CODES).sort();
    // procspec's codes are procspec's to document.
    const ours = codesInSource(join(ROOT, 'src')).filter(
      (code) => !Object.hasOwn(ISSUE_CODES, code) && !Object.hasOwn(ERROR_CODES, code),
    );
    expect({ documented: documentedCodes(join(ROOT, 'README.md')), inSource: ours }).toEqual({
      documented: registry,
      inSource: registry,
    });
  });
});

describe('SupervisorError', () => {
  it('is a DiprocdError as procspec exports it (one class across its entries)', () => {
    const error = new SupervisorError('DPD_UNKNOWN_PROCESS', 'x');
    expect(error).toBeInstanceOf(DiprocdError);
    expect(error.code).toBe('DPD_UNKNOWN_PROCESS');
    // @ts-expect-error a code that is not in the registry does not compile
    expect(new SupervisorError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
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
