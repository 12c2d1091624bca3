// validate(kind, value): structural walk, then cross-key checks, then the
// normalised value when nothing is wrong.
import { KINDS, SCHEMAS, type FileKind } from '../model/files.js';
import type { Issue } from '../errors.js';
import { normalise, type NormaliseOptions } from '../normalise/normalise.js';
import type { Normalised } from '../normalise/types.js';
import { checkClient, checkCurveAllow, checkJob, checkMaster, checkProc, checkProcList } from './semantic.js';
import { ProcSchema } from '../model/proc.js';
import { Walker, memoize } from './walk.js';

// A worker or master file re-read after an edit re-checks only the process definitions that changed.
memoize(ProcSchema);

/** The outcome of validating one value. `value` is present exactly when `valid` is. */
export interface ValidationResult<K extends FileKind = FileKind> {
  kind: K;
  /** No error-severity issue (warnings allowed). */
  valid: boolean;
  issues: Issue[];
  value?: Normalised[K];
}

function crossChecks(kind: FileKind, value: unknown): Issue[] {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  switch (kind) {
    case 'proc':
      return checkProc(value, []);
    case 'worker':
      return checkProcList(record.procs, ['procs']);
    case 'master': {
      const nodes = record.nodes;
      const master = [...checkMaster(record), ...checkCurveAllow(value)];
      if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) return master;
      return [...master, ...Object.entries(nodes).flatMap(([node, procs]) => checkProcList(procs, ['nodes', node]))];
    }
    case 'client':
      return checkClient(value);
    case 'job':
      return checkJob(value);
  }
}

/**
 * Validates any JSON value as a kind of file. Never throws: every problem is
 * an issue with a JSON path, and unknown keys are warnings.
 */
export function validate<K extends FileKind>(
  kind: K,
  value: unknown,
  options: NormaliseOptions = {},
): ValidationResult<K> {
  return validateValue(kind, value, options, false);
}

/**
 * validate(), told whether `value` came straight from JSON text: then a
 * process entry seen clean before (same JSON) is not walked again. A value
 * built in code may hold what JSON cannot say (undefined, functions), so it
 * is always walked.
 */
export function validateValue<K extends FileKind>(
  kind: K,
  value: unknown,
  options: NormaliseOptions,
  fromJson: boolean,
): ValidationResult<K> {
  if (!KINDS.includes(kind))
    throw new TypeError(`procspec: unknown kind ${JSON.stringify(kind)}; expected one of ${KINDS.join(', ')}`);
  const walker = new Walker(fromJson);
  walker.check(SCHEMAS[kind], value);
  const issues = [...walker.issues, ...crossChecks(kind, value)];
  const valid = !issues.some((issue) => issue.severity === 'error');
  const result: ValidationResult<K> = { kind, valid, issues };
  if (valid) result.value = normalise(kind, value, options);
  return result;
}

/**
 * The kind of a file told from its keys: `procs` → worker, `nodes` → master,
 * `conf_file` or `node_name` → client, `cmd` → job, `run` → process.
 */
export function detectKind(value: unknown): FileKind | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const has = (key: string) => Object.hasOwn(value, key);
  if (has('procs')) return 'worker';
  if (has('nodes')) return 'master';
  if (has('conf_file') || has('node_name')) return 'client';
  if (has('cmd')) return 'job';
  if (has('run')) return 'proc';
  return undefined;
}
