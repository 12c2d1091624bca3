// @diprocd/procspec/runtime: what programs that only act on already
// normalised specs need (the supervisor), without loading the schemas and
// the validator (TypeBox costs ~12 MiB of memory at import). Adding to it
// is a semver commitment, like index.ts.
export { DiprocdError } from './errors.js';
export { diffProcs } from './diff/diff-procs.js';
export { DIPROCD_VERSION, UsageError, parseCommandLine, usageMessage, versionLine } from './cli/command-line.js';
export { HIDDEN, redactJobSpec, redactUrls, redactValues } from './redact/redact-job.js';
export { splitLines } from './text/split-lines.js';
export { visible } from './text/visible.js';
export { isNormalisedProc } from './normalise/mark.js';

export type { ProcDiff } from './diff/diff-procs.js';
export type {
  Proc,
  WorkerFile,
  MasterFile,
  ClientFile,
  JobSpec,
  RestartPolicy,
  LoadSource,
  RlimitValue,
} from './normalise/types.js';
export type { RlimitName } from './model/units.js';
