// The dependency direction of ARCHITECTURE.md § What may import what,
// enforced from the nx tags of each
// package: procspec and loadgate import nothing of ours, supervisor and
// transport import procspec (supervisor may use loadgate), jobs run under a
// supervisor, daemons compose libraries (daemonkit holds what the daemons
// share, and imports only procspec), and nothing imports a daemon.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Project {
  dir: string;
  name: string;
  tags: string[];
  declared: string[];
  /** Of the declared ones, those only in devDependencies. */
  dev: string[];
  imported: string[];
}

/** Every file under a directory, recursively. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function projects(): Project[] {
  return ['packages', 'daemons', 'tools'].flatMap((group) =>
    (existsSync(join(ROOT, group)) ? readdirSync(join(ROOT, group)) : [])
      .map((name) => join(ROOT, group, name))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
        const sources = files(join(dir, 'src')).filter((f) => /\.[cm]?ts$/.test(f));
        const imported = new Set<string>();
        for (const file of sources) {
          for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(@diprocd\/[a-z-]+)/g)) imported.add(spec!);
        }
        const runtime = { ...pkg.dependencies, ...pkg.peerDependencies };
        const declared = Object.keys(deps).filter((d) => d.startsWith('@diprocd/'));
        return {
          dir,
          name: pkg.name,
          tags: pkg.nx?.tags ?? [],
          declared,
          dev: declared.filter((d) => !(d in runtime)),
          imported: [...imported],
        };
      }),
  );
}

// What each library may depend on, by its lib:* tag.
const ALLOWED: Record<string, string[]> = {
  'lib:procspec': [],
  'lib:loadgate': [],
  'lib:daemonkit': ['@diprocd/procspec'],
  'lib:supervisor': ['@diprocd/procspec', '@diprocd/loadgate'],
  'lib:jobs': ['@diprocd/procspec', '@diprocd/supervisor'],
  'lib:transport': ['@diprocd/procspec'],
};

// Tests of any package may use the shared test helpers (a private dev dependency).
const TEST_UTILS = '@diprocd/test-utils';

describe('package boundaries', () => {
  const all = projects();

  it('finds the workspace packages', () => {
    expect(all.map((p) => p.name)).toContain('@diprocd/procspec');
  });

  it.each(all.map((p) => [p.name, p] as const))('%s imports only what it declares', (_name, project) => {
    expect(project.imported.filter((dep) => !project.declared.includes(dep) && dep !== project.name)).toEqual([]);
  });

  it.each(all.map((p) => [p.name, p] as const))('%s depends only in the allowed direction', (_name, project) => {
    const daemons = all.filter((p) => p.tags.includes('scope:daemon')).map((p) => p.name);
    // Nothing depends on a daemon, except a daemon's tests, which may run another daemon beside it,
    // and the distribution (the unscoped diprocd package), which exists to carry the daemons.
    const testsOfDaemon = (dep: string) => project.tags.includes('scope:daemon') && project.dev.includes(dep);
    if (!project.tags.includes('scope:dist'))
      expect(project.declared.filter((dep) => daemons.includes(dep) && !testsOfDaemon(dep))).toEqual([]);
    // ... and nothing depends on the distribution.
    const dists = all.filter((p) => p.tags.includes('scope:dist')).map((p) => p.name);
    expect(project.declared.filter((dep) => dists.includes(dep))).toEqual([]);
    const lib = project.tags.find((tag) => tag.startsWith('lib:'));
    if (project.tags.includes('scope:lib')) {
      expect(lib, `${project.name} needs a lib:* tag`).toBeDefined();
      expect(ALLOWED[lib!], `no rule for ${lib}`).toBeDefined();
      expect(project.declared.filter((dep) => !ALLOWED[lib!]!.includes(dep) && dep !== TEST_UTILS)).toEqual([]);
    }
  });
});
