// Structural validation: walk a value alongside its schema and report, for
// every mismatch, the JSON path, what was expected and what was found.
// Never throws, whatever the value.
import { Kind, type TSchema } from '@sinclair/typebox';
import type { Issue, IssueCode } from '../errors.js';
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

function accepts(schema: TSchema, value: unknown): boolean {
  const kind = schema[Kind] as string;
  if (kind === 'Unknown') return true;
  if (kind === 'Literal') return typeof schema.const === typeof value;
  if (kind === 'Union') return (schema.anyOf as TSchema[]).some((branch) => accepts(branch, value));
  return KIND_TYPES[kind] === jsonType(value);
}

export class Walker {
  readonly issues: Issue[] = [];

  private report(severity: Issue['severity'], code: IssueCode, path: readonly PathPart[], message: string): void {
    this.issues.push({ severity, code, path: formatPath(path), message });
  }

  private mismatch(schema: TSchema, value: unknown, path: readonly PathPart[], fallback: IssueCode, detail = ''): void {
    const code = (schema['x-code'] as IssueCode | undefined) ?? fallback;
    this.report('error', code, path, `expected ${expected(schema)}${detail}, found ${found(value)}`);
  }

  /** Checks `value` against `schema`, adding issues; true when no error was added. */
  check(schema: TSchema, value: unknown, path: PathPart[] = []): boolean {
    const before = this.errorCount();
    const kind = schema[Kind] as string;
    switch (kind) {
      case 'Unknown':
        break;
      case 'Union':
        this.union(schema, value, path);
        break;
      case 'Literal':
        if (value !== schema.const) this.mismatch(schema, value, path, accepts(schema, value) ? 'DPD_SPEC_VALUE' : 'DPD_SPEC_TYPE');
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
    return this.errorCount() === before;
  }

  private errorCount(): number {
    return this.issues.filter((issue) => issue.severity === 'error').length;
  }

  private union(schema: TSchema, value: unknown, path: PathPart[]): void {
    const branches = schema.anyOf as TSchema[];
    const trials = branches.map((branch) => {
      const trial = new Walker();
      return { branch, ok: trial.check(branch, value, path), issues: trial.issues };
    });
    const passing = trials.filter((t) => t.ok).sort((a, b) => a.issues.length - b.issues.length)[0];
    if (passing) {
      this.issues.push(...passing.issues);
      return;
    }
    // One branch of the value's shape that is a container: its own messages
    // say more (procs[0].restart_limit.starts) than the union's summary.
    const sameShape = trials.filter((t) => accepts(t.branch, value));
    const only = sameShape.length === 1 ? sameShape[0]! : undefined;
    if (only && ['Object', 'Array', 'Record'].includes(only.branch[Kind] as string)) {
      this.issues.push(...only.issues);
      return;
    }
    this.mismatch(schema, value, path, sameShape.length > 0 ? 'DPD_SPEC_VALUE' : 'DPD_SPEC_TYPE');
  }

  private string(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (typeof value !== 'string') return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
  }

  private number(schema: TSchema, value: unknown, path: PathPart[]): void {
    const integer = schema[Kind] === 'Integer';
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    if (integer && !Number.isInteger(value)) return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    const bounds: string[] = [];
    let inRange = true;
    if (typeof schema.minimum === 'number') {
      bounds.push(`≥ ${schema.minimum}`);
      inRange &&= value >= schema.minimum;
    }
    if (typeof schema.exclusiveMinimum === 'number') {
      bounds.push(`> ${schema.exclusiveMinimum}`);
      inRange &&= value > schema.exclusiveMinimum;
    }
    if (typeof schema.maximum === 'number') {
      bounds.push(`≤ ${schema.maximum}`);
      inRange &&= value <= schema.maximum;
    }
    if (!inRange) this.mismatch(schema, value, path, 'DPD_SPEC_VALUE', ` ${bounds.join(' and ')}`);
  }

  private array(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (!Array.isArray(value)) return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      return this.mismatch(schema, value, path, 'DPD_SPEC_VALUE');
    }
    const items = schema.items as TSchema;
    value.forEach((item, index) => this.check(items, item, [...path, index]));
  }

  private object(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (jsonType(value) !== 'object') return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    const record = value as Record<string, unknown>;
    const properties = schema.properties as Record<string, TSchema>;
    const required = new Set<string>((schema.required as string[] | undefined) ?? []);
    for (const [key, propertySchema] of Object.entries(properties)) {
      if (Object.hasOwn(record, key)) this.check(propertySchema, record[key], [...path, key]);
      else if (required.has(key)) {
        this.report('error', 'DPD_SPEC_REQUIRED', [...path, key], `required key is missing; expected ${expected(propertySchema)}`);
      }
    }
    const known = Object.keys(properties);
    for (const key of Object.keys(record)) {
      if (Object.hasOwn(properties, key)) continue;
      const near = suggest(key, known);
      const hint = near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`;
      this.report('warning', 'DPD_SPEC_UNKNOWN_KEY', [...path, key], `unknown key, ignored; ${hint}`);
    }
  }

  private record(schema: TSchema, value: unknown, path: PathPart[]): void {
    if (jsonType(value) !== 'object') return this.mismatch(schema, value, path, 'DPD_SPEC_TYPE');
    const [[pattern, valueSchema]] = Object.entries(schema.patternProperties as Record<string, TSchema>) as [[string, TSchema]];
    const keyPattern = new RegExp(pattern);
    const choices = /^\^\(\?:([A-Za-z0-9_|]+)\)\$$/.exec(pattern)?.[1]?.split('|');
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (keyPattern.test(key)) {
        this.check(valueSchema, item, [...path, key]);
        continue;
      }
      const code = (schema['x-code'] as IssueCode | undefined) ?? 'DPD_SPEC_VALUE';
      const near = choices && suggest(key, choices);
      const message = choices
        ? `unknown key${near ? `; did you mean "${near}"?` : `; expected one of ${choices.join(', ')}`}`
        : `key not allowed here; expected ${schema['x-key'] ?? `a key matching ${pattern}`}`;
      this.report('error', code, [...path, key], message);
    }
  }
}
