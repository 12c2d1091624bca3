// The public API of @diprocd/procspec: adding to it is a semver commitment.
export { DiprocdError, SpecError, ISSUE_CODES, ERROR_CODES } from './errors.js';
export { ProcSchema, RestartPolicy as RestartPolicySchema } from './model/proc.js';
export { WorkerSchema, MasterSchema, ClientSchema, JobSchema, KINDS, KIND_TITLES } from './model/files.js';
export {
  parseDuration,
  formatDuration,
  parseSize,
  parseSignal,
  SIGNAL_NAMES,
  RLIMIT_NAMES,
  MAX_DURATION_MS,
  MAX_SIZE_BYTES,
} from './model/units.js';
export { DEFAULTS } from './normalise/defaults.js';
export { normalise, normaliseProc } from './normalise/normalise.js';
export { urlBasename } from './model/download-name.js';
export { toSpec, procToSpec } from './normalise/to-spec.js';
export { validate, detectKind } from './validate/validate.js';
export { diffProcs } from './diff/diff-procs.js';
export { HIDDEN, redactJobSpec, redactUrls, redactValues } from './redact/redact-job.js';
export { splitLines } from './text/split-lines.js';
export { visible } from './text/visible.js';
export { isNormalisedProc } from './normalise/mark.js';
export { jsonSchema, SCHEMA_DIALECT } from './schema/json-schema.js';
export { validateFile, validateText, checkText, loadFile, formatIssue } from './file/validate-file.js';
export { parseJson } from './file/parse-json.js';
export { DIPROCD_VERSION, UsageError, parseCommandLine, usageMessage, versionLine } from './cli/command-line.js';

export type { Issue, IssueCode, ErrorCode } from './errors.js';
export type { ProcInput, RestartInput } from './model/proc.js';
export type { FileKind, WorkerInput, MasterInput, ClientInput, JobInput } from './model/files.js';
export type { RlimitName } from './model/units.js';
export type {
  Proc,
  WorkerFile,
  MasterFile,
  ClientFile,
  JobSpec,
  Normalised,
  Inputs,
  RestartPolicy,
  LoadSource,
  RlimitValue,
} from './normalise/types.js';
export type { NormaliseOptions } from './normalise/normalise.js';
export type { ValidationResult } from './validate/validate.js';
export type { ProcDiff } from './diff/diff-procs.js';
export type { FileReport, ValidateFileOptions, CheckedText } from './file/validate-file.js';
export type { JsonParse } from './file/parse-json.js';
