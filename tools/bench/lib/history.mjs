// Every benchmark's runs, kept as JSON, and BENCHMARKS.md made from them.
//
// tools/bench/results/<bench>.json holds one benchmark: what it measures
// (title, about, method), how its summary reads (table), and every run
// (date, commit, machine, Node, the command, its results, a note). A bench
// script ends with record(), which appends its run there and rewrites
// BENCHMARKS.md from all the files; render.mjs rewrites it from the files
// alone. BENCHMARKS.md is never edited by hand, and a workspace check holds
// it to what renderBenchmarks() makes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'tools/bench/results');
export const BENCHMARKS_MD = join(ROOT, 'BENCHMARKS.md');

/**
 * The options every bench script takes: --no-record measures and prints, and stores nothing; --note TEXT is stored
 * with the run (what it ran under, why it was made).
 */
export const RECORD_OPTION = { 'no-record': { type: 'boolean', default: false }, note: { type: 'string' } };

/**
 * The commit measured: short hash, with "-dirty" when tracked files differ
 * from it (the recorded results and BENCHMARKS.md aside: runs recorded one
 * after another change those); null outside a git checkout.
 */
export function currentCommit(root = ROOT) {
  try {
    const git = (...args) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const hash = git('rev-parse', '--short', 'HEAD');
    const dirty =
      git(
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        '.',
        ':(exclude)BENCHMARKS.md',
        ':(exclude)tools/bench/results',
      ) !== '';
    return dirty ? `${hash}-dirty` : hash;
  } catch {
    return null;
  }
}

/** The machine, in the words a reader compares runs by. */
export function currentMachine() {
  const gib = Math.round((totalmem() / 2 ** 30) * 10) / 10;
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${gib} GiB, ${type()} ${release()}`;
}

const historyPath = (dir, bench) => join(dir, `${bench}.json`);

/** Every history file of `dir`, by their `order` (those without one last), then by name. */
export function loadHistories(dir = RESULTS_DIR) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')))
    .sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
}

function writeAtomic(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Rewrites BENCHMARKS.md from the history files; returns its text. */
export function writeBenchmarks(dir = RESULTS_DIR, markdown = BENCHMARKS_MD) {
  const text = renderBenchmarks(loadHistories(dir));
  writeAtomic(markdown, text);
  return text;
}

/**
 * Appends one run to tools/bench/results/<bench>.json and rewrites
 * BENCHMARKS.md; nothing when the script was given --no-record. A benchmark
 * without a history file gets one, whose table (until one is written in the
 * file) lists the top-level values of its results.
 * @param values the script's parsed options (for --no-record and --note)
 * @param run `{bench, command, results, note?}`
 * @param options where the files are, and the date, commit and machine to
 *   record (by default now, the checkout's HEAD and this machine), for tests
 */
export function record(values, run, options = {}) {
  if (values['no-record']) {
    console.error('not recorded (--no-record)');
    return undefined;
  }
  const { dir = RESULTS_DIR, markdown = BENCHMARKS_MD, now = new Date() } = options;
  const commit = 'commit' in options ? options.commit : currentCommit();
  const machine = options.machine ?? currentMachine();
  const path = historyPath(dir, run.bench);
  const history = existsSync(path)
    ? JSON.parse(readFileSync(path, 'utf8'))
    : {
        bench: run.bench,
        title: run.bench,
        about: '',
        script: `tools/bench/${run.bench}.mjs`,
        method: [],
        runs: [],
        notes: [],
      };
  const entry = {
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    commit,
    machine,
    node: process.version,
    command: run.command,
    ...((run.note ?? values.note) ? { note: run.note ?? values.note } : {}),
    results: run.results,
  };
  history.runs.push(entry);
  mkdirSync(dir, { recursive: true });
  writeAtomic(path, `${JSON.stringify(history, null, 2)}\n`);
  writeBenchmarks(dir, markdown);
  console.error(`recorded as run ${history.runs.length} in ${path}; ${markdown} rewritten`);
  return entry;
}

/**
 * A bench script's last step: prints its results and the command that reproduces them, then records the run (see
 * record).
 */
export function finish(values, run) {
  console.log(JSON.stringify({ bench: run.bench, ...run.results }, null, 2));
  console.log(`reproduce: ${run.command}`);
  return record(values, run);
}

// ---- reading values out of results ------------------------------------------

/**
 * The value at `path` in `value`: keys joined by ".", where a segment
 * `k=v&k2=v2` picks the first array element whose fields match (as
 * strings), and `*` takes every element (the result is then an array).
 */
export function valueAt(value, path) {
  let current = value;
  const segments = path === '' ? [] : path.split('.');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (current === undefined || current === null) return undefined;
    if (segment === '*') {
      if (!Array.isArray(current)) return undefined;
      const rest = segments.slice(i + 1).join('.');
      const all = current.map((item) => valueAt(item, rest));
      return all.every((item) => item === undefined) ? undefined : all;
    }
    if (segment.includes('=') && Array.isArray(current)) {
      const wanted = segment.split('&').map((pair) => pair.split('='));
      current = current.find((item) =>
        wanted.every(([k, v]) => item !== null && typeof item === 'object' && String(item[k]) === v),
      );
    } else {
      current = typeof current === 'object' ? current[segment] : undefined;
    }
  }
  return current;
}

/** Whether a run's results match `where`: path → value, as strings; a value "!x" matches anything but x. */
function matches(run, where = {}) {
  return Object.entries(where).every(([path, wanted]) => {
    const actual = String(valueAt(run.results, path) ?? '');
    return String(wanted).startsWith('!') ? actual !== String(wanted).slice(1) : actual === String(wanted);
  });
}

/** A value as the summary shows it. */
export function formatValue(value, unit) {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = Array.isArray(value)
    ? value.map((item) => formatValue(item, undefined)).join(', ')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
  return unit ? `${text} ${unit}` : text;
}

/** The table of a history without one: each top-level value of the latest run's results. */
function defaultTable(history) {
  const latest = history.runs.at(-1)?.results ?? {};
  return { rows: Object.keys(latest).map((key) => ({ label: key, path: key })) };
}

// ---- the Markdown -----------------------------------------------------------

/**
 * One table of a history: a row per metric, a column per `columns` entry
 * (`{label, at?, where?}`: the runs whose results match `where`, values read
 * under `at`). Each cell is the latest run that measured it; a row no run
 * measured is left out. `used` collects the runs (1-based numbers) shown.
 */
function renderTable(history, table, used) {
  const columns = table.columns ?? [{ label: 'latest' }];
  const cell = (row, column) => {
    for (let i = history.runs.length - 1; i >= 0; i--) {
      const run = history.runs[i];
      if (!matches(run, column.where)) continue;
      const value = valueAt(run.results, [column.at, row.path].filter(Boolean).join('.'));
      if (value !== undefined && value !== null) return { text: formatValue(value, row.unit), run: i + 1 };
    }
    return { text: '–', run: null };
  };
  const rows = table.rows
    .map((row) => ({ row, cells: columns.map((column) => cell(row, column)) }))
    .filter(({ cells }) => cells.some((c) => c.run !== null));
  // Which runs each column shows: one run per column is said once, in a last row; else each cell says its run.
  const perColumn = columns.map((_, c) => new Set(rows.map(({ cells }) => cells[c].run).filter((run) => run !== null)));
  const oneEach = perColumn.every((runs) => runs.size <= 1);
  const all = new Set(perColumn.flatMap((runs) => [...runs]));
  for (const run of all) used.add(run);
  const withTarget = rows.some(({ row }) => row.target);
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const head = ['metric', ...(withTarget ? ['target'] : []), ...columns.map((column) => column.label)];
  const lines = table.title ? [`**${table.title}**`, ''] : [];
  lines.push(line(head), `|${head.map(() => '---').join('|')}|`);
  for (const { row, cells } of rows) {
    const texts = cells.map((c) => (!oneEach && c.run !== null ? `${c.text} (run ${c.run})` : c.text));
    lines.push(line([row.label, ...(withTarget ? [row.target ?? ''] : []), ...texts]));
  }
  if (oneEach && all.size > 1)
    lines.push(
      line(['run', ...(withTarget ? [''] : []), ...perColumn.map((runs) => (runs.size ? String([...runs][0]) : '–'))]),
    );
  return lines.join('\n');
}

function describeRun(history, number) {
  const run = history.runs[number - 1];
  const when = [
    run.date ?? 'date not recorded',
    run.commit ? `commit ${run.commit}` : 'commit not recorded',
    run.machine,
    run.node ? `Node ${run.node}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  return `- run ${number} (${when}): \`${run.command}\`${run.note ? `. ${run.note}` : ''}`;
}

/** One benchmark's section of BENCHMARKS.md. */
export function renderHistory(history) {
  const file = `tools/bench/results/${history.bench}.json`;
  const lines = [`## ${history.title}`, ''];
  if (history.about) lines.push(history.about, '');
  if (history.runs.length === 0) {
    lines.push(`No run recorded yet: \`node ${history.script}\`.`);
    return lines.join('\n');
  }
  const tables = history.table ? [history.table].flat() : [defaultTable(history)];
  const used = new Set();
  for (const table of tables) lines.push(renderTable(history, table, used), '');
  lines.push(
    `${used.size === 1 ? 'The run' : 'The runs'} shown, of the ${
      history.runs.length
    } in [${file}](${file}) (with the method and notes):`,
    '',
  );
  for (const number of [...used].sort((a, b) => a - b)) lines.push(describeRun(history, number));
  return lines.join('\n');
}

/** BENCHMARKS.md: a summary per benchmark, from the histories alone. */
export function renderBenchmarks(histories) {
  const head = [
    '# Benchmarks',
    '',
    '<!-- Written by tools/bench (lib/history.mjs) from tools/bench/results/*.json: do not edit; run `node tools/bench/render.mjs`. -->',
    '',
    'Each table shows, per metric, the latest run that measured it; every run, its',
    'command and the method are in the JSON history linked under the table.',
    'How to run and record a benchmark: [tools/bench/README.md](tools/bench/README.md).',
    'The machine is noisy (the same command varies by 2–3× between runs): compare',
    'runs made in the same session, and read a single value as one sample.',
  ];
  return `${[...head, ...histories.map((history) => `\n${renderHistory(history)}`)].join('\n')}\n`;
}
