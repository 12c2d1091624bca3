// The packages the workspace publishes: every package under packages/ and
// daemons/ that is not private, with its directory and package.json.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Published {
  /** Relative to the workspace root: "packages/procspec". */
  dir: string;
  pkg: {
    name: string;
    version: string;
    private?: boolean;
    license?: string;
    keywords?: string[];
    homepage?: string;
    bugs?: { url: string };
    repository?: { type: string; url: string; directory: string };
    files?: string[];
    bin?: Record<string, string>;
    exports?: Record<string, unknown>;
    dependencies?: Record<string, string>;
  };
}

export const published: Published[] = ['packages', 'daemons']
  .flatMap((group) => readdirSync(join(ROOT, group)).map((name) => `${group}/${name}`))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Published['pkg'] }))
  .filter(({ pkg }) => !pkg.private);
