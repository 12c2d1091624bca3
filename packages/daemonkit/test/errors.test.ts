// The codes daemonkit raises are its registry's, and its README documents
// exactly those: a code added without its row, a row left for a code that
// is gone, or a literal code the registry lacks fails here. Then each code
// where an OS error enters, with real files.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiprocdError, ERROR_CODES } from '@diprocd/procspec';
import { codesInSource, documentedCodes, tempDir } from '@diprocd/test-utils';
import { ControlError, DAEMONKIT_ERROR_CODES, DaemonkitError, lockPidFile, startDaemon } from '@diprocd/daemonkit';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
/** Names in the source that look like codes and are environment variables. */
const ENVIRONMENT = ['DPD_NOTIFY_FD'];

let dir: string;
beforeEach(() => {
  dir = tempDir('daemonkit-errors');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('error codes', () => {
  it("are the registry's, every one documented in the README and named in the source, and no other", () => {
    const registry = Object.keys(DAEMONKIT_ERROR_CODES).sort();
    const named = codesInSource(join(ROOT, 'src'));
    expect(named).toEqual(expect.arrayContaining(ENVIRONMENT)); // the exception list cannot go stale
    const ours = named.filter((code) => !ENVIRONMENT.includes(code) && !Object.hasOwn(ERROR_CODES, code));
    expect({ documented: documentedCodes(join(ROOT, 'README.md')), inSource: ours }).toEqual({
      documented: registry,
      inSource: registry,
    });
  });

  it('DaemonkitError and ControlError are DiprocdErrors carrying their code and cause', () => {
    const cause = new Error('EACCES');
    const errors = [
      new DaemonkitError('DPD_PID_FILE', 'x', { cause }),
      new ControlError('DPD_CONTROL_DENIED', 'x', { cause }),
      new ControlError('DPD_UNKNOWN_PROCESS', 'x', { answered: true }),
    ];
    expect(errors.map((error) => [error instanceof DiprocdError, error.name, error.code, error.cause])).toEqual([
      [true, 'DaemonkitError', 'DPD_PID_FILE', cause],
      [true, 'ControlError', 'DPD_CONTROL_DENIED', cause],
      [true, 'ControlError', 'DPD_UNKNOWN_PROCESS', undefined],
    ]);
    // @ts-expect-error a code that is not in the registry does not compile
    expect(new DaemonkitError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
    // @ts-expect-error nor does one for a ControlError, unless the worker answered it
    expect(new ControlError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
  });
});

describe('OS errors become coded errors where they enter', () => {
  /** A path through a regular file: creating its directory fails with ENOTDIR, as root too. */
  const blocked = (name: string) => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    return join(dir, 'not-a-dir', 'run', name);
  };
  const caught = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error as DaemonkitError;
    }
    throw new Error('it did not throw');
  };

  it('lockPidFile: DPD_PID_FILE with the path and what the OS said', () => {
    const error = caught(() => lockPidFile(blocked('d.pid'), 'workerd', '/etc/w.json'));
    expect([error instanceof DaemonkitError, error.code, (error.cause as NodeJS.ErrnoException).code]).toEqual([
      true,
      'DPD_PID_FILE',
      'ENOTDIR',
    ]);
    expect(error.message.replaceAll(dir, 'DIR')).toMatchInlineSnapshot(
      `"cannot take the pid file DIR/not-a-dir/run/d.pid: ENOTDIR"`,
    );
  });

  it('startDaemon: DPD_LOG_FILE with the path and what the OS said', () => {
    const error = caught(() => startDaemon(join(dir, 'never-run.mjs'), [], blocked('d.log')));
    expect([error instanceof DaemonkitError, error.code, (error.cause as NodeJS.ErrnoException).code]).toEqual([
      true,
      'DPD_LOG_FILE',
      'ENOTDIR',
    ]);
    expect(error.message.replaceAll(dir, 'DIR')).toMatchInlineSnapshot(
      `"cannot open the log file DIR/not-a-dir/run/d.log: ENOTDIR"`,
    );
  });

  describe('daemonMain', () => {
    /**
     * Runs a daemon through daemonMain whose pid file and log go where `paths` says; its start must never be reached.
     */
    const daemon = (paths: { pidFile: string; logFile: string }, ...argv: string[]) => {
      const script = join(dir, 'dpd-testd.mjs');
      const entry = require.resolve('@diprocd/daemonkit').replace(/\.cjs$/, '.js');
      writeFileSync(
        script,
        `import { daemonMain } from ${JSON.stringify(entry)};
const definition = { name: 'dpd-testd', role: 'test', what: 'test file', usage: 'usage', load: (file, text) => ({ ok: true, value: text, warnings: [] }), paths: () => (${JSON.stringify(paths)}), start: async () => { throw new Error('started') } };
process.exitCode = await daemonMain(definition, process.argv.slice(2), process);\n`,
      );
      writeFileSync(join(dir, 't.json'), '{}');
      const run = spawnSync(process.execPath, [script, ...argv, join(dir, 't.json')], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      return { status: run.status, stdout: run.stdout, stderr: run.stderr.replaceAll(dir, 'DIR') };
    };

    it('a pid file it cannot take: the code and the reason logged, exit 1', () => {
      const run = daemon({ pidFile: blocked('t.pid'), logFile: join(dir, 't.log') }, '-f', '--log-format', 'json');
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /"code":"DPD_PID_FILE".*cannot take the pid file DIR\/not-a-dir\/run\/t\.pid: ENOTDIR/,
      );
      expect(run.stderr).not.toMatch(/started/);
    });

    it('a log file it cannot open as it becomes a daemon: one line with the code, exit 1', () => {
      const run = daemon({ pidFile: join(dir, 't.pid'), logFile: blocked('t.log') });
      expect(run).toEqual({
        status: 1,
        stdout: '',
        stderr: 'dpd-testd: cannot open the log file DIR/not-a-dir/run/t.log: ENOTDIR [DPD_LOG_FILE]\n',
      });
    });
  });
});
