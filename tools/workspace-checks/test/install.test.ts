// What a stranger gets: every published package packed as a release would
// pack it, installed from the tarballs into a scratch app outside the
// workspace (from npm's cache only: no network), and used there as a user
// would — ESM and CommonJS imports, the supervisor README's example run for
// real and compiled by strict TypeScript, the commands, the spawn helper
// built at install. A release that would install broken fails here.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@diprocd/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, published } from './published.js';

let app = '';
let installLog = '';
const LIBRARIES = [
  '@diprocd/procspec',
  '@diprocd/procspec/runtime',
  '@diprocd/supervisor',
  '@diprocd/supervisor/host',
  '@diprocd/jobs',
  '@diprocd/loadgate',
  '@diprocd/transport',
  '@diprocd/daemonkit',
];

const sh = (
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
) => {
  const result = spawnSync(file, args, {
    cwd: options.cwd ?? app,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeout ?? 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, error: result.error };
};
const node = (args: string[], env?: NodeJS.ProcessEnv) => sh(process.execPath, args, { env });
const bin = (name: string, args: string[]) => sh(join(app, 'node_modules', '.bin', name), args);

/** The third-party packages the published ones need at run time, and theirs, as the workspace installed them. */
function thirdPartyClosure(): string[] {
  const ours = new Set(published.map(({ pkg }) => pkg.name));
  const found = new Set<string>();
  const visit = (deps: Record<string, string> | undefined) => {
    for (const name of Object.keys(deps ?? {})) {
      if (ours.has(name) || found.has(name)) continue;
      found.add(name);
      visit(
        (
          JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
            dependencies?: Record<string, string>;
          }
        ).dependencies,
      );
    }
  };
  for (const { pkg } of published) visit(pkg.dependencies);
  return [...found].sort();
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'dpd-install-'));
  const packs = join(app, 'packs');
  mkdirSync(packs);
  const packed = sh(
    'npm',
    ['pack', '--silent', '--pack-destination', packs, ...published.flatMap(({ dir }) => ['-w', dir])],
    { cwd: ROOT, timeout: 120_000 },
  );
  expect(packed.code, packed.stderr).toBe(0);
  const tarballs = packed.stdout
    .trim()
    .split('\n')
    .map((name) => join(packs, name.trim()));
  expect(tarballs).toHaveLength(published.length);
  // The third-party packages they need, packed from the workspace's own install (the lock's versions):
  // given as tarballs, npm needs nothing from the registry, so the test stays off the network.
  const thirdParty = sh(
    'npm',
    [
      'pack',
      '--silent',
      '--ignore-scripts',
      '--pack-destination',
      packs,
      ...thirdPartyClosure().map((name) => join(ROOT, 'node_modules', name)),
    ],
    { cwd: ROOT, timeout: 120_000 },
  );
  expect(thirdParty.code, thirdParty.stderr).toBe(0);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
  // Install scripts run, as for a user; --offline makes sure nothing is fetched.
  const all = [
    ...tarballs,
    ...thirdParty.stdout
      .trim()
      .split('\n')
      .map((name) => join(packs, name.trim())),
  ];
  const installed = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', ...all], {
    timeout: 240_000,
  });
  installLog = installed.stdout + installed.stderr;
  expect(installed.code, installLog).toBe(0);
}, 300_000);
afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

describe('the packages, installed from their tarballs', () => {
  it('import as ES modules and as CommonJS, each entry', () => {
    for (const name of LIBRARIES) {
      const esm = node([
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(name)}); process.stdout.write(String(Object.keys(m).length))`,
      ]);
      expect([name, esm.code, esm.stderr], esm.stderr).toEqual([name, 0, '']);
      expect(Number(esm.stdout)).toBeGreaterThan(0);
      const cjs = node(['-e', `process.stdout.write(String(Object.keys(require(${JSON.stringify(name)})).length))`]);
      expect([name, cjs.code, cjs.stderr]).toEqual([name, 0, '']);
      expect(cjs.stdout).toBe(esm.stdout);
    }
  });

  it('ship no sources inside their source maps', () => {
    for (const { pkg } of published) {
      const dist = join(app, 'node_modules', pkg.name, 'dist');
      if (!existsSync(dist)) continue;
      const maps = sh('find', [dist, '-name', '*.map']).stdout.trim().split('\n').filter(Boolean);
      for (const map of maps)
        expect([map, 'sourcesContent' in JSON.parse(readFileSync(map, 'utf8'))]).toEqual([map, false]);
    }
  });

  it("run the supervisor README's example", () => {
    const readme = readFileSync(join(ROOT, 'packages/supervisor/README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const state = join(app, 'state');
    // The example as written, with its state directory here; then what was started is stopped.
    const program = `${example.replace('/var/lib/myapp/supervisor', state)}
const again = new Supervisor('${state}');
await again.apply([]);
await again.close();
`;
    writeFileSync(join(app, 'example.mjs'), program);
    const run = sh(process.execPath, ['example.mjs']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/napper.*running/);
  });

  it('type-check under strict TypeScript, with modern and with node10 resolution', () => {
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const readme = readFileSync(join(ROOT, 'packages/supervisor/README.md'), 'utf8');
    writeFileSync(join(app, 'example.mts'), /```ts\n([\s\S]*?)```/.exec(readme)![1]!);
    writeFileSync(
      join(app, 'old.ts'),
      "import { redactUrls } from '@diprocd/procspec/runtime';\nimport { normaliseProc } from '@diprocd/procspec';\nimport { writeFileAtomic } from '@diprocd/supervisor/host';\nexport const url: string = redactUrls('https://a:b@host/');\nexport const proc = normaliseProc({ name: 'a', run: '/bin/true' });\nexport const write: (path: string, text: string) => void = writeFileAtomic;\n",
    );
    const common = {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
      target: 'es2022',
    };
    writeFileSync(
      join(app, 'tsconfig.modern.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'nodenext', moduleResolution: 'nodenext' },
        files: ['example.mts', 'old.ts'],
      }),
    );
    writeFileSync(
      join(app, 'tsconfig.node10.json'),
      JSON.stringify({
        compilerOptions: { ...common, module: 'commonjs', moduleResolution: 'node10' },
        files: ['old.ts'],
      }),
    );
    for (const config of ['tsconfig.modern.json', 'tsconfig.node10.json']) {
      const checked = node([tsc, '-p', config]);
      expect([config, checked.code, checked.stdout]).toEqual([config, 0, '']);
    }
  });

  it('run a job with the job runner of the installed @diprocd/jobs', async () => {
    const jobs = join(app, 'jobs');
    // Started by a supervisor that is closed at once: a job runs on by itself and records how it ended.
    writeFileSync(
      join(app, 'job.mjs'),
      `import { normalise } from '@diprocd/procspec';
import { Supervisor } from '@diprocd/supervisor';
import { jobProc, writeJobSpec } from '@diprocd/jobs';
const supervisor = new Supervisor(${JSON.stringify(join(app, 'job-state'))});
writeJobSpec(${JSON.stringify(jobs)}, '1', normalise('job', { cmd: 'echo from the job' }));
const proc = jobProc(${JSON.stringify(jobs)}, '1');
process.stdout.write(proc.args[0] + '\\n');
await supervisor.apply([proc]);
await supervisor.close();
`,
    );
    const started = sh(process.execPath, ['job.mjs']);
    expect([started.code, started.stderr]).toEqual([0, '']);
    expect(started.stdout).toBe(`${join(app, 'node_modules/@diprocd/jobs/dist/job-runner.js')}\n`);
    // Empty from the runner's claim until its first record; each record replaces the file whole.
    const recorded = () => {
      const text = existsSync(join(jobs, '1.state.json')) ? readFileSync(join(jobs, '1.state.json'), 'utf8') : '';
      return text === '' ? null : (JSON.parse(text) as { state: string; reason: string | null });
    };
    const record = await waitFor('the job to end', () => {
      const now = recorded();
      return (now?.state === 'success' || now?.state === 'failed') && now;
    });
    expect([record.state, record.reason]).toEqual(['success', null]);
    expect(readFileSync(join(jobs, '1.log'), 'utf8')).toContain('from the job\n');
  });

  it('provide every command, under its own name and through diprocd', () => {
    const version = published[0]!.pkg.version;
    expect(bin('diprocd', ['--version'])).toMatchObject({ code: 0, stdout: `diprocd ${version}\n` });
    expect(bin('dpd-workerd', ['--version'])).toMatchObject({ code: 0, stdout: `dpd-workerd ${version}\n` });
    expect(bin('diprocd', ['workerd', '--version'])).toMatchObject({ code: 0, stdout: `dpd-workerd ${version}\n` });
    for (const command of ['dpd-workerd', 'dpd-ctl', 'dpd-run', 'dpd-log', 'dpd-masterd', 'dpd-clientd', 'dpd-spec']) {
      expect([command, bin(command, ['--help']).code]).toEqual([command, 0]);
    }
    writeFileSync(join(app, 'good.json'), JSON.stringify({ procs: [{ name: 'a', run: '/bin/true' }] }));
    writeFileSync(join(app, 'bad.json'), JSON.stringify({ procs: [{ name: 'a', run: 7 }] }));
    expect(bin('dpd-spec', ['validate', 'good.json']).code).toBe(0);
    const bad = bin('diprocd', ['spec', 'validate', 'bad.json']);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('bad.json');
  });

  it('build the spawn helper for the installing machine, and keep the packed one where there is no compiler', () => {
    const supervisor = join(app, 'node_modules/@diprocd/supervisor');
    const helper = join(supervisor, 'dist/dpd-spawn-helper');
    if (process.platform === 'linux')
      expect(installLog).toContain(`@diprocd/supervisor: spawn helper built for this machine (${helper})`);
    const before = readFileSync(helper);
    const without = node([join(supervisor, 'scripts/install-helper.mjs')], { ...process.env, CC: '/nonexistent/cc' });
    expect([without.code, without.stdout]).toEqual([
      0,
      "@diprocd/supervisor: spawn helper not built here (/nonexistent/cc: ENOENT); the packed one serves where it can run, else Node's spawn serves\n",
    ]);
    expect(readFileSync(helper).equals(before)).toBe(true);
  });
});
