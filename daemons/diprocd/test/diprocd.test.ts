// The unscoped package: every command under its own name and through
// `diprocd COMMAND`, each the very bin of the package that holds it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../commands.js';

const HERE = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${HERE}package.json`, 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};
const FIXTURES = fileURLToPath(new URL('../../../test-fixtures/examples/', import.meta.url));

const run = (bin: string, args: string[]) => {
  const result = spawnSync(process.execPath, [`${HERE}${bin}`, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};
/** The command as its own package runs it. */
const original = (command: string, args: string[]) => {
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.resolve(COMMANDS[command as keyof typeof COMMANDS]!)), ...args],
    { encoding: 'utf8', timeout: 15_000 },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('the diprocd package', () => {
  it('provides a bin for every command and for diprocd, each depending on the package that holds it', () => {
    expect(Object.keys(pkg.bin).sort()).toEqual(['diprocd', ...Object.keys(COMMANDS)].sort());
    for (const [command, target] of Object.entries(COMMANDS)) {
      expect(pkg.bin[command]).toBe(`./bin/${command}.js`);
      // Versions move together: each dependency is this package's own version.
      expect(pkg.dependencies[target.split('/bin/')[0]!]).toBe(pkg.version);
    }
  });

  it.each(Object.keys(COMMANDS))('runs %s as its own package does, under its name and through diprocd', (command) => {
    const expected = original(command, ['--help']);
    expect(expected.code).toBe(0);
    expect(run(`bin/${command}.js`, ['--help'])).toEqual(expected);
    expect(run('bin/diprocd.js', [command.slice('dpd-'.length), '--help'])).toEqual(expected);
  });

  it.each(Object.keys(COMMANDS))(
    '%s says its version, and refuses an unknown option in one line with the --help hint',
    (command) => {
      expect(run(`bin/${command}.js`, ['--version'])).toEqual({
        code: 0,
        stdout: `${command} ${pkg.version}\n`,
        stderr: '',
      });
      expect(run(`bin/${command}.js`, ['-V'])).toEqual({ code: 0, stdout: `${command} ${pkg.version}\n`, stderr: '' });
      // dpd-run keeps DMon's form: its line, then the hint on a line of its own.
      const refused =
        command === 'dpd-run'
          ? 'dpd-run: unknown option --bogus\nRun "dpd-run --help" for the options.\n'
          : `${command}: unknown option --bogus; see ${command} --help\n`;
      expect(run(`bin/${command}.js`, ['--bogus'])).toEqual({ code: 2, stdout: '', stderr: refused });
    },
  );

  it("says what is wrong with an option in diprocd's words", () => {
    expect(run('bin/dpd-ctl.js', ['--socket'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dpd-ctl: option --socket needs a value; see dpd-ctl --help\n',
    });
    expect(run('bin/dpd-ctl.js', ['--json=yes', 'status'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dpd-ctl: option --json takes no value; see dpd-ctl --help\n',
    });
    expect(run('bin/dpd-log.js', ['-Z'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dpd-log: unknown option -Z; see dpd-log --help\n',
    });
    expect(run('bin/dpd-spec.js', ['validate', '--bogus', 'x.json'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'dpd-spec: unknown option --bogus; see dpd-spec --help\n',
    });
  });

  it('passes arguments and exit codes through', () => {
    expect(run('bin/diprocd.js', ['spec', 'validate', `${FIXTURES}worker.json`]).code).toBe(0);
    expect(run('bin/dpd-spec.js', ['validate', `${FIXTURES}no-such-file.json`]).code).not.toBe(0);
  });

  it('says its version, its usage, and refuses an unknown command', () => {
    expect(run('bin/diprocd.js', ['--version'])).toEqual({ code: 0, stdout: `diprocd ${pkg.version}\n`, stderr: '' });
    expect(run('bin/diprocd.js', ['--help']).stdout).toContain('  workerd  dpd-workerd\n');
    expect(run('bin/diprocd.js', ['bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'diprocd: unknown command "bogus"; see diprocd --help\n',
    });
    expect(run('bin/diprocd.js', []).code).toBe(2);
  });
});
