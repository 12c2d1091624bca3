// Compiles the spawn helper (native/spawn-helper.c) with the C compiler
// (CC, default cc): for the build, and again at install for the machine
// that installs the package.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export const SOURCE = new URL('../native/spawn-helper.c', import.meta.url).pathname;
export const OUTPUT = new URL('../dist/dpd-spawn-helper', import.meta.url).pathname;

/** Builds `output` (through a temporary file, so a failed build leaves what was there): null, or why it failed. */
export function compileHelper(output = OUTPUT) {
  mkdirSync(dirname(output), { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const temp = `${output}.${process.pid}.tmp`;
  const result = spawnSync(cc, ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-o', temp, SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error || result.status !== 0) {
    rmSync(temp, { force: true });
    return result.error
      ? `${cc}: ${result.error.code ?? result.error.message}`
      : `${cc} exited with ${result.status ?? result.signal}`;
  }
  renameSync(temp, output);
  return null;
}
