// What a release needs of every published package.json, held here so a
// new package cannot be published without it: the license and its file,
// where the code lives and where to report a bug, keywords, a changelog
// whose latest entry is the package's version, and one version for all.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, published } from './published.js';

const LICENSE = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
const names = new Set(published.map(({ pkg }) => pkg.name));

describe('published packages', () => {
  it('are the ones the release tool moves together', () => {
    expect(published.map(({ pkg }) => pkg.name).sort()).toEqual([
      '@diprocd/cluster',
      '@diprocd/daemonkit',
      '@diprocd/jobs',
      '@diprocd/loadgate',
      '@diprocd/procspec',
      '@diprocd/run',
      '@diprocd/supervisor',
      '@diprocd/transport',
      '@diprocd/worker',
      'diprocd',
    ]);
    const config = JSON.parse(readFileSync(join(ROOT, '.changeset/config.json'), 'utf8')) as { fixed: string[][] };
    expect(config.fixed).toEqual([['diprocd', '@diprocd/*']]);
    expect(new Set(published.map(({ pkg }) => pkg.version)).size).toBe(1);
  });

  it.each(published.map((entry) => [entry.pkg.name, entry] as const))(
    '%s says its license, its home and its bugs, and ships LICENSE and CHANGELOG.md',
    (_name, { dir, pkg }) => {
      expect(pkg.license).toBe('MIT');
      expect(readFileSync(join(ROOT, dir, 'LICENSE'), 'utf8')).toBe(LICENSE);
      expect(pkg.repository).toEqual({
        type: 'git',
        url: expect.stringMatching(/^git\+https:\/\/.+\.git$/),
        directory: dir,
      });
      expect(pkg.homepage).toMatch(new RegExp(`^https://.+/tree/main/${dir}#readme$`));
      expect(pkg.bugs?.url).toMatch(/^https:\/\/.+\/issues$/);
      expect(pkg.keywords?.length).toBeGreaterThan(0);
      expect(pkg.files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md']));
      expect(existsSync(join(ROOT, dir, 'README.md'))).toBe(true);
      // The latest entry of the changelog is the version being published.
      const changelog = readFileSync(join(ROOT, dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog.startsWith(`# ${pkg.name}\n`)).toBe(true);
      expect(/^## (\S+)/m.exec(changelog)?.[1]).toBe(pkg.version);
      // Our own packages at exactly this version: versions move together.
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {}))
        if (names.has(dep)) expect([dep, range]).toEqual([dep, pkg.version]);
    },
  );
});
