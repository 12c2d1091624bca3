// BENCHMARKS.md is made from the stored runs (tools/bench/results/*.json)
// and nothing else: this holds the two in step, so a hand edit or a run
// recorded without rewriting the summary fails here.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the bench tools, without type declarations
import {
  BENCHMARKS_MD,
  RESULTS_DIR,
  loadHistories,
  record,
  renderBenchmarks,
  valueAt,
} from '../../bench/lib/history.mjs';

interface Row {
  path: string;
}
interface Table {
  columns?: { at?: string }[];
  rows: Row[];
}
interface History {
  bench: string;
  table?: Table | Table[];
  runs: { command: string; results: unknown }[];
}

const histories = loadHistories() as History[];

describe('BENCHMARKS.md', () => {
  it('is exactly what the stored runs make (node tools/bench/render.mjs)', () => {
    expect(readFileSync(BENCHMARKS_MD, 'utf8')).toBe(renderBenchmarks(histories));
  });

  it.each(readdirSync(RESULTS_DIR).map((name) => [name] as const))(
    '%s names its benchmark, and every run its command and results',
    (name) => {
      const history = JSON.parse(readFileSync(join(RESULTS_DIR, name), 'utf8')) as History;
      expect(`${history.bench}.json`).toBe(name);
      expect(existsSync(join(RESULTS_DIR, '..', `${history.bench}.mjs`)), `tools/bench/${history.bench}.mjs`).toBe(
        true,
      );
      for (const run of history.runs) {
        expect(run.command).toMatch(new RegExp(`tools/bench/${history.bench}\\.mjs`));
        expect(run.results).toBeTypeOf('object');
      }
    },
  );

  // The summary leaves out a row no run measured: a misspelt path would vanish without this.
  it.each(histories.filter((h) => h.table).map((h) => [h.bench, h] as const))(
    '%s: every row of its tables is measured by some run',
    (_bench, history) => {
      for (const table of [history.table!].flat()) {
        const prefixes = (table.columns ?? [{}]).map((column) => column.at);
        for (const row of table.rows) {
          const measured = history.runs.some((run) =>
            prefixes.some((at) => valueAt(run.results, [at, row.path].filter(Boolean).join('.')) !== undefined),
          );
          expect(measured, row.path).toBe(true);
        }
      }
    },
  );
});

describe('record()', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpd-bench-history-'));
    dirs.push(dir);
    cpSync(RESULTS_DIR, join(dir, 'results'), { recursive: true });
    return { results: join(dir, 'results'), markdown: join(dir, 'BENCHMARKS.md') };
  };
  const run = {
    bench: 'procspec',
    command: 'npm run build && node tools/bench/procspec.mjs --procs 10',
    results: { procs: 10, validateValidMs: 1.5, validateAllInvalidMs: 0.5, diffOneChangedMs: 0.25 },
  };

  it('appends the run to its history and rewrites the summary with it', () => {
    const { results, markdown } = scratch();
    const before = JSON.parse(readFileSync(join(results, 'procspec.json'), 'utf8')) as History;
    const entry = record({}, run, {
      dir: results,
      markdown,
      now: new Date('2026-12-08T01:02:03.456Z'),
      commit: 'abc1234',
      machine: 'a test machine',
    });
    const after = JSON.parse(readFileSync(join(results, 'procspec.json'), 'utf8')) as History;
    expect(after.runs).toEqual([...before.runs, entry]);
    expect(entry).toEqual({
      date: '2026-12-08T01:02:03Z',
      commit: 'abc1234',
      machine: 'a test machine',
      node: process.version,
      command: run.command,
      results: run.results,
    });
    const text = readFileSync(markdown, 'utf8');
    expect(text).toBe(renderBenchmarks(loadHistories(results)));
    expect(text).toContain('| validate 20 000 valid processes | 1.5 ms |');
    expect(text).toContain(
      `- run ${after.runs.length} (2026-12-08T01:02:03Z, commit abc1234, a test machine, Node ${process.version}): \`${run.command}\``,
    );
  });

  it('stores --note with the run', () => {
    const { results, markdown } = scratch();
    const options = { dir: results, markdown, now: new Date('2026-12-08T01:02:03Z'), commit: 'abc1234', machine: 'm' };
    expect(record({ note: 'under load' }, run, options)).toMatchObject({ note: 'under load' });
    expect(record({}, run, options)).not.toHaveProperty('note');
  });

  it('stores nothing with --no-record', () => {
    const { results, markdown } = scratch();
    const before = readFileSync(join(results, 'procspec.json'), 'utf8');
    expect(record({ 'no-record': true }, run, { dir: results, markdown })).toBeUndefined();
    expect(readFileSync(join(results, 'procspec.json'), 'utf8')).toBe(before);
    expect(existsSync(markdown)).toBe(false);
  });

  it('starts a history for a benchmark that has none, its table listing the results', () => {
    const { results, markdown } = scratch();
    record(
      {},
      { bench: 'new-bench', command: 'node tools/bench/new-bench.mjs', results: { linesPerSecond: 1000 } },
      { dir: results, markdown, commit: null, machine: 'm' },
    );
    const created = JSON.parse(readFileSync(join(results, 'new-bench.json'), 'utf8')) as History;
    expect(created.runs).toHaveLength(1);
    expect(readFileSync(markdown, 'utf8')).toContain('| linesPerSecond | 1000 |');
  });
});
