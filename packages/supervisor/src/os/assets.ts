// The supervisor's own programs (the spawn helper, the log relay) are files
// in its dist/, beside its bundle. This is the one place
// that finds them from import.meta.url, so that a daemon which bundles the
// supervisor into its own file can point it back at the installed package
// (tools/build/daemon-bundle.ts).
import { fileURLToPath } from 'node:url';

/** The path of `file` in the supervisor's dist/. */
export const assetPath = (file: string): string => fileURLToPath(new URL(`./${file}`, import.meta.url));
