// The tsup options every published package starts from: ES module and
// CommonJS builds for Node 20, with source maps that map lines but do not
// carry the sources. Maps with their sources embedded were 55-73 % of each
// package's unpacked size; without them a stack trace under
// --enable-source-maps still names the original file and line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'tsup';

/** The version in the package.json of the package being built (tsup runs in its directory), for `--version`. */
export const versionDefine = (): Record<string, string> => ({
  __DPD_VERSION__: JSON.stringify(
    (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version,
  ),
});

/** `own` on top of the shared options (an `esbuildOptions` of its own runs after the shared one). */
export function libraryBuild(own: Options): Options {
  return {
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    define: versionDefine(),
    ...own,
    esbuildOptions(options, context) {
      options.sourcesContent = false;
      own.esbuildOptions?.(options, context);
    },
  };
}
