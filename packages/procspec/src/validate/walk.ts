// Structural validation: walk a value alongside its schema and report, for
// every mismatch, the JSON path, what was expected and what was found.
// Never throws, whatever the value.
import { Kind, type TSchema } from '@sinclair/typebox';
import type { Issue, IssueCode } from '../errors.js';
import type { Hints } from '../model/common.js';
import { durationProblem, sizeProblem, PROBLEM_WORDS } from '../model/units.js';
import { expected, formatPath, found, type PathPart } from './describe.js';
import { suggest } from './suggest.js';

type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

function jsonType(value: unknown): JsonType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' ? t : undefined;
}

const KIND_TYPES: Record<string, JsonType | undefined> = {
  String: 'string',
  Number: 'number',
  Integer: 'number',
  Boolean: 'boolean',
  Null: 'null',
  Array: 'array',
  Object: 'object',
  Record: 'object',
};

const CONTAINERS = new Set(['Object', 'Array', 'Record']);

function accepts(schema: TSchema, value: unknown): boolean {
  const kind = schema[Kind] as string;
  if (kind === 'Unknown') return true;
  if (kind === 'Literal') return typeof schema.const === typeof value;
  if (kind === 'Union') return (schema.anyOf as TSchema[]).some((branch) => accepts(branch, value));
  return KIND_TYPES[kind] === jsonType(value);
}

/**
 * Patterns are read with the `u` flag, as JSON Schema validators read them (code points, not UTF-16 halves). Compiled
 * once each.
 */
const compiled = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

interface ObjectShape {
  entries: [string, TSchema][];
  required: Set<string>;
  known: string[];
}
const shapes = new WeakMap<TSchema, ObjectShape>();
/** An object schema's properties, required set and known keys, worked out once per schema. */
function shape(schema: TSchema): ObjectShape {
  let found = shapes.get(schema);
  if (!found) {
    const properties = schema.properties as Record<string, TSchema>;
    found = {
      entries: Object.entries(properties),
      required: new Set((schema.required as string[] | undefined) ?? []),
      known: Object.keys(properties),
    };
    shapes.set(schema, found);
  }
  return found;
}

/** True when a value nests deeper than `limit` levels, counting itself; stops looking past the limit. */
function deeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  return Object.values(value).some((item) => deeperThan(item, limit - 1));
}

// Values of some schemas (a process definition) are checked once per JSON
// text: a file re-read after an edit re-checks only the entries that
// changed. Only values that raised no issue at all are remembered, so a
// remembered value adds nothing wherever it appears.
const MEMO_LIMIT = 20_000;
const memos = new Map<TSchema, Set<string>>();

function memoKey(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // nested too deep to stringify: checked every time (and reported)
  }
}

/** Remembers the values of `schema` found clean (see above). */
export function memoize(schema: TSchema): void {
  if (!memos.has(schema)) memos.set(schema, new Set());
}

export class Walker {
  readonly issues: Issue[] = [];

  /** `memo`: the value came from JSON text (its JSON is all there is to it), so memoised schemas may be skipped. */
  constructor(private readonly memo = false) {}
  /** Errors among `issues`, counted as they are added: check() compares it before and after. */
  private errors = 0;

  private report(severity: Issue['severity'], code: IssueCode, path: readonly PathPart[], message: string): void {
    this.adopt([{ severity, code, path: formatPath(path), message }]);
  }

  private adopt(issues: readonly Issue[]): void {
    for (const issue of issues) {
      this.issues.push(issue);
      if (issue.severity === 'error') this.errors++;
    }
  }

  /** `expected …, found …` with the schema's own code, or `fallback` when it has none. */
  private mismatch(schema: TSchema, value: unknown, path: readonly PathPart[], fallback: IssueCode, detail = ''): void {
    const code = (schema['x-code'] as IssueCode | undefined) ?? fallback;
    this.report('error', code, path, `expected ${expected(schema)}${detail}, found ${found(value)}`);
  }

  /** A container of the wrong JSON type: always DPD_SPEC_TYPE, whatever code its contents raise. */
  private wrongContainer(schema: TSchema, value: unknown, path: readonly PathPart[]): void {
    this.report('error', 'DPD_SPEC_TYPE', path, `expected ${expected(schema)}, found ${found(value)}`);
  }

  /** Checks `value` against `schema`, adding issues; true when no error was added. */
  check(schema: TSchema, value: unknown, path: PathPart[] = []): boolean {
    const memo = this.memo ? memos.get(schema) : undefined;
    const key = memo && typeof value === 'object' && value !== null ? memoKey(value) : undefined;
    if (memo && key !== undefined) {
      if (memo.has(key)) return true;
      const issues = this.issues.length;
      const ok = this.walk(schema, value, path);
      if (this.issues.length === issues) {
        if (memo.size >= MEMO_LIMIT) memo.clear();
        memo.add(key);
      }
      return ok;
    }
    return this.walk(schema, value, path);
  }

  private walk(schema: TSchema, value: unknown, path: PathPart[]): boolean {
    const before = this.errors;
    const kind = schema[Kind] as string;
    if (schema['x-parse'] !== undefined) {
      this.parsed(schema, value, path);
      return this.errors === before;
    }
    switch (kind) {
      case 'Unknown':
        break;
      case 'Union':
        this.union(schema, value, path);
        break;
      case 'Literal':
        if (value !== schema.const)
          this.mismatch(schema, value, path, accepts(schema, value) ? 'DPD_SPEC_VALUE' : 'DPD_SPEC_TYPE');
        break;
      case 'String':
        this.string(schema, value, path);
        break;
      case 'Number':
      case 'Integer':
        this.number(schema, value, path);
        break;
      case 'Boolean':
        if (typeof value !== 'boolean') this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
        break;
      case 'Array':
        this.array(schema, value, path);
        break;
      case 'Object':
        this.object(schema, value, path);
        break;
      case 'Record':
        this.record(schema, value, path);
        break;
      default:
        throw new Error(`procspec: schema kind ${kind} is not supported by the validator`);
    }
    return this.errors === before;
  }

  /**
   * Durations and sizes go through the parser the normaliser uses, so a value
   * that passes here always normalises, and its limits are checked on the
   * value rather than the text.
   */
  private parsed(schema: TSchema, value: unknown, path: PathPart[]): void {
    const how = schema['x-parse'] as NonNullable<Hints['x-parse']>;
    const problem =
      how === 'size' ? sizeProblem(value) : durationProblem(value, { positive: how === 'positive-duration' });
    if (problem === undefined) return;
    const code = schema['x-code'] as IssueCode;
    const wanted = problem === 'malformed' ? expected(schema) : PROBLEM_WORDS[problem];
    this.report('error', code, path, `expected ${wanted}, found ${found(value)}`);
  }

  private union(schema: TSchema, value: unknown, path: PathPart[]): void {
    const branches = schema.anyOf as TSchema[];
    const trials = branches.map((branch) => {
      const shaped = accepts(branch, value);
      // A branch of plain kind that cannot hold a value of this JSON type
      // fails: no trial is walked (its messages would never be used).
      if (!shaped && branch['x-parse'] === undefined && KIND_TYPES[branch[Kind] as string] !== undefined) {
        return { branch, shaped, ok: false, issues: [] };
      }
      const trial = new Walker(this.memo);
      return { branch, shaped, ok: trial.check(branch, value, path), issues: trial.issues };
    });
    const passing = trials.filter((t) => t.ok).sort((a, b) => a.issues.length - b.issues.length)[0];
    if (passing) return this.adopt(passing.issues);
    // One branch has the value's shape: its own messages say more
    // (procs[0].restart_limit.starts, "a non-empty array of strings") than
    // the union's summary, when it is a container or has its own words.
    const sameShape = trials.filter((t) => t.shaped);
    const only = sameShape.length === 1 ? sameShape[0]! : undefined;
    if (only && (CONTAINERS.has(only.branch[Kind] as string) || typeof only.branch['x-expected'] === 'string')) {
      return this.adopt(only.issues);
    }
    this.mismatch(schema, value, path, sameShape.length > 0 ? 'DPD_SPEC_VALUE' : 'DPD_SPEC_TYPE');
  }

  private string(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (typeof value !== 'string') return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
    if (typeof schema.pattern === 'string' && !regex(schema.pattern).test(value)) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
  }

  private number(schema: TSchema, value: unknown, path: PathPart[]): void {
    const bounds: string[] = [];
    let inRange = typeof value === 'number';
    const n = value as number;
    if (typeof schema.minimum === 'number') {
      bounds.push(`≥ ${schema.minimum}`);
      inRange &&= n >= schema.minimum;
    }
    if (typeof schema.exclusiveMinimum === 'number') {
      bounds.push(`> ${schema.exclusiveMinimum}`);
      inRange &&= n > schema.exclusiveMinimum;
    }
    if (typeof schema.maximum === 'number') {
      bounds.push(`≤ ${schema.maximum}`);
      inRange &&= n <= schema.maximum;
    }
    const detail = bounds.length > 0 ? ` ${bounds.join(' and ')}` : '';
    const integer = schema[Kind] === 'Integer';
    if (typeof value !== 'number' || !Number.isFinite(value))
      return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE', detail);
    if (integer && !Number.isInteger(value)) return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE', detail);
    if (!inRange) this.mismatch(schema, value, path, 'DPD_SPEC_VALUE', detail);
  }

  private array(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (!Array.isArray(value)) return this.wrongContainer(schema, value, path);
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
    const items = schema.items as TSchema;
    value.forEach((item, index) => this.check(items, item, [...path, index]));
  }

  private object(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (jsonType(value) !== 'object') return this.wrongContainer(schema, value, path);
    const record = value as Record<string, unknown>;
    const properties = schema.properties as Record<string, TSchema>;
    const { entries, required, known } = shape(schema);
    for (const [key, propertySchema] of entries) {
      if (Object.hasOwn(record, key)) this.check(propertySchema, record[key], [...path, key]);
      else if (required.has(key)) {
        this.report(
          'error',
          'DPD_SPEC_REQUIRED',
          [...path, key],
          `required key is missing; expected ${expected(propertySchema)}`,
        );
      }
    }
    for (const key of Object.keys(record)) {
      if (Object.hasOwn(properties, key)) continue;
      const near = suggest(key, known);
      const hint = near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`;
      this.report('warning', 'DPD_SPEC_UNKNOWN_KEY', [...path, key], `unknown key, ignored; ${hint}`);
    }
  }

  private record(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (jsonType(value) !== 'object') return this.wrongContainer(schema, value, path);
    const maxDepth = schema['x-max-depth'];
    if (typeof maxDepth === 'number' && deeperThan(value, maxDepth)) {
      return this.report(
        'error',
        'DPD_SPEC_VALUE',
        path,
        `expected ${expected(schema)} nested at most ${maxDepth} levels deep, found one nested deeper`,
      );
    }
    const [[pattern, valueSchema]] = Object.entries(schema.patternProperties as Record<string, TSchema>) as [
      [string, TSchema],
    ];
    const keyPattern = regex(pattern);
    const choices = /^\^\(\?:([A-Za-z0-9_|]+)\)\$$/.exec(pattern)?.[1]?.split('|');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (keyPattern.test(key)) {
        this.check(valueSchema, item, [...path, key]);
        continue;
      }
      // As in JSON Schema, a key outside the pattern is only wrong when the
      // record says additionalProperties: false (config's keys are free).
      if (schema.additionalProperties !== false) continue;
      const code = (schema['x-code'] as IssueCode | undefined) ?? 'DPD_SPEC_VALUE';
      const near = choices && suggest(key, choices);
      const message = choices
        ? `unknown key${near ? `; did you mean "${near}"?` : `; expected one of ${choices.join(', ')}`}`
        : `key not allowed here; expected ${schema['x-key'] ?? `a key matching ${pattern}`}`;
      this.report('error', code, [...path, key], message);
    }
  }
}
