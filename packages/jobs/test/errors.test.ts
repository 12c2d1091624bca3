import { fileURLToPath } from 'node:url';
import { DiprocdError } from '@diprocd/procspec';
import { JOB_ERROR_CODES, JobError, jobPaths, jobProc, writeJobSpec } from '@diprocd/jobs';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';
import { describe, expect, it } from 'vitest';

const codes = Object.keys(JOB_ERROR_CODES).sort();

describe('error codes', () => {
  it('are documented in the README, and the README documents no other', () => {
    expect(documentedCodes(fileURLToPath(new URL('../README.md', import.meta.url)))).toEqual(codes);
  });

  it('are every code the sources name', () => {
    expect(codesInSource(fileURLToPath(new URL('../src', import.meta.url)))).toEqual(codes);
  });
});

describe('a job id', () => {
  it('that could leave the directory is refused with DPD_JOB_ID before a path is made of it', () => {
    for (const use of [
      () => jobPaths('/nonexistent', '../x'),
      () => jobProc('/nonexistent', '../x'),
      () => writeJobSpec('/nonexistent', '../x', {} as never),
    ]) {
      const error = (() => {
        try {
          use();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(JobError);
      expect(error).toBeInstanceOf(DiprocdError);
      expect((error as JobError).code).toBe('DPD_JOB_ID');
      expect((error as Error).message).toMatchInlineSnapshot(
        `"job id "../x": expected 1 to 64 letters, digits, "_", "." or "-""`,
      );
    }
  });
});
