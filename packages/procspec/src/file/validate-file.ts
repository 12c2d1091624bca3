// Files in, reports out: read, parse, tell the kind, validate.
import { readFile } from 'node:fs/promises';
import { KIND_TITLES, type FileKind } from '../model/files.js';
import { SpecError, type Issue } from '../errors.js';
import type { NormaliseOptions } from '../normalise/normalise.js';
import type { Normalised } from '../normalise/types.js';
import { detectKind, validateValue, type ValidationResult } from '../validate/validate.js';
import { parseJson } from './parse-json.js';

/** The outcome of validating one file. */
export interface FileReport<K extends FileKind = FileKind> extends Omit<ValidationResult<K>, 'kind'> {
  file: string;
  /** `undefined` when the kind was not given and could not be told from the content. */
  kind: K | undefined;
  /** False when the file could not be read at all (`issues` says why). */
  readable: boolean;
}

export interface ValidateFileOptions<K extends FileKind> extends NormaliseOptions {
  /** The kind of file; told from its keys when absent. */
  kind?: K;
}

/** Validates the text of a file (already read). Never throws. */
export function validateText<K extends FileKind>(
  file: string,
  text: string,
  options: ValidateFileOptions<K> = {},
): FileReport<K> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { file, kind: options.kind, readable: true, valid: false, issues: [parsed.issue] };
  const kind = (options.kind ?? detectKind(parsed.value)) as K | undefined;
  if (kind === undefined) {
    const issue: Issue = {
      severity: 'error',
      code: 'DPD_SPEC_KIND',
      path: '',
      message:
        'cannot tell the kind of file: expected an object with "procs" (worker), "nodes" (master), "conf_file" (client), "cmd" (job) or "run" (process); pass --kind',
    };
    return { file, kind, readable: true, valid: false, issues: [issue] };
  }
  return { ...validateValue(kind, parsed.value, options, true), file, readable: true };
}

/**
 * A file's text checked: its value with warning lines, or its issue lines, each "file:path: severity: message [code]".
 */
export type CheckedText<V> = { ok: true; value: V; warnings: string[] } | { ok: false; issues: string[] };

/** validateText for a daemon: the normalised value, or the lines to print. */
export function checkText<K extends FileKind>(
  kind: K,
  file: string,
  text: string,
  options: Omit<ValidateFileOptions<K>, 'kind'> = {},
): CheckedText<Normalised[K]> {
  const report = validateText(file, text, { ...options, kind });
  const lines = report.issues.map((issue) => formatIssue(issue, file));
  return report.valid ? { ok: true, value: report.value!, warnings: lines } : { ok: false, issues: lines };
}

/** Reads and validates a file. Never throws: an unreadable file is a report with `readable: false`. */
export async function validateFile<K extends FileKind>(
  file: string,
  options: ValidateFileOptions<K> = {},
): Promise<FileReport<K>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    const issue: Issue = {
      severity: 'error',
      code: 'DPD_SPEC_UNREADABLE',
      path: '',
      message: `cannot read the file: ${reason}`,
    };
    return { file, kind: options.kind, readable: false, valid: false, issues: [issue] };
  }
  return validateText(file, text, options);
}

/** `file:path: severity: message [code]`, the line an operator reads. */
export function formatIssue(issue: Issue, file?: string): string {
  const where = [file, issue.path].filter(Boolean).join(':');
  return `${where ? `${where}: ` : ''}${issue.severity}: ${issue.message} [${issue.code}]`;
}

/**
 * Reads, validates and normalises a file of a known kind, for daemons.
 * Throws a SpecError (`DPD_SPEC_UNREADABLE` or `DPD_SPEC_INVALID`) whose
 * message names the file and lists every error; warnings are in `issues`.
 */
export async function loadFile<K extends FileKind>(
  kind: K,
  file: string,
  options: NormaliseOptions = {},
): Promise<{ value: Normalised[K]; warnings: Issue[] }> {
  const report = await validateFile(file, { ...options, kind });
  if (report.valid) return { value: report.value!, warnings: report.issues };
  const errors = report.issues.filter((issue) => issue.severity === 'error');
  const code = report.readable ? 'DPD_SPEC_INVALID' : 'DPD_SPEC_UNREADABLE';
  const lines = errors.map((issue) => `  ${formatIssue(issue, file)}`).join('\n');
  throw new SpecError(
    code,
    `${file}: ${report.readable ? `invalid ${KIND_TITLES[kind]}` : 'unreadable'}\n${lines}`,
    report.issues,
    { file },
  );
}
