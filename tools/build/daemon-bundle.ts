// The tsup options of a daemon: its own code and the workspace packages it
// uses go into one bundle per command, with the shared parts in chunks.
//
// Why: Node's ES module loader costs time per module file. dpd-workerd
// loaded nine files (about 300 KB) in 53-84 ms after Node's bootstrap, and
// the same code as one file in 41-61 ms (eight alternating starts each:
// tools/bench/results/peers.json, notes). The packages stay dependencies of
// the daemon: their published builds are unchanged, and files a package
// finds beside its own bundle (the supervisor's spawn helper, log relay and
// job runner) are still found there, in the installed package: in a bundled
// package's code, import.meta.url becomes import.meta.resolve("<that
// package>"). The build fails if any import.meta.url is left in the output,
// so a layout the rewrite does not know cannot make a daemon look for those
// files in its own dist/ (and quietly fall back to Node's spawn).
//
// @diprocd/transport stays external, and so do third-party packages: zeromq
// (a native addon) is then loaded from transport's own place, as its
// dependency, wherever the installer put it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Options } from 'tsup';
import { versionDefine } from './library-build.js';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/** A module of a workspace package's build: in the workspace, or installed. */
const PACKAGE_DIST = /[\\/](?:packages|@diprocd)[\\/][a-z-]+[\\/]dist[\\/][^\\/]+\.js$/;

/** The name in package.json of the package whose dist/ holds `file`. */
function packageOf(file: string): string {
  const pkg = JSON.parse(readFileSync(join(dirname(dirname(file)), 'package.json'), 'utf8')) as { name: string };
  return pkg.name;
}

/** In a bundled workspace package, import.meta.url is that package's entry in the installed package. */
const packageRelativeUrls: Plugin = {
  name: 'diprocd-package-relative-urls',
  setup(build) {
    build.onLoad({ filter: PACKAGE_DIST }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const url = `import.meta.resolve(${JSON.stringify(packageOf(args.path))})`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
    build.onEnd((result) => {
      const left = (result.outputFiles ?? []).filter(
        (file) => file.path.endsWith('.js') && file.text.includes('import.meta.url'),
      );
      if (left.length > 0) {
        throw new Error(
          `import.meta.url left in ${left.map((file) => file.path).join(', ')}: code bundled there would look for its files in the daemon's dist/ (tools/build/daemon-bundle.ts)`,
        );
      }
    });
  },
};

/** tsup options for a daemon whose commands are `entry`. */
export function daemonBundle(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm'],
    sourcemap: true,
    clean: true,
    target: 'node20',
    define: versionDefine(),
    noExternal: [/^@diprocd\/(?!transport(?:\/|$))/],
    skipNodeModulesBundle: true,
    esbuildPlugins: [packageRelativeUrls],
    // Lines mapped, sources not embedded (library-build.ts says why).
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
  };
}
