// dpd-spec: validate diprocd files, print their JSON Schema. A program, not
// library code: it prints and sets the exit code.
import { UsageError, parseCommandLine, usageMessage, versionLine } from './command-line.js';
import { KINDS, KIND_TITLES, type FileKind } from '../model/files.js';
import { jsonSchema } from '../schema/json-schema.js';
import { formatIssue, validateFile, type FileReport } from '../file/validate-file.js';

const USAGE = `Usage:
  dpd-spec validate [--kind KIND] [--json] FILE...
  dpd-spec schema KIND
  dpd-spec --help | --version

Validate diprocd files: worker, master and client files, job specs and
single process definitions. The kind is told from the keys unless --kind
gives it (one of: ${KINDS.join(', ')}).

Exit status: 0 every file is valid (warnings allowed), 1 a file is invalid,
2 a file cannot be read or the command line is wrong.

Examples:
  dpd-spec validate /var/lib/diprocd/diprocd-worker.json
  dpd-spec validate --json master.json client.json
  dpd-spec schema worker > worker.schema.json`;

function summary(report: FileReport): string {
  const title = report.kind ? KIND_TITLES[report.kind] : 'file';
  const errors = report.issues.filter((issue) => issue.severity === 'error').length;
  const warnings = report.issues.length - errors;
  const counts = [
    errors && `${errors} error${errors > 1 ? 's' : ''}`,
    warnings && `${warnings} warning${warnings > 1 ? 's' : ''}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (!report.readable) return `${report.file}: unreadable`;
  return `${report.file}: ${report.valid ? 'valid' : 'invalid'} ${title}${counts ? ` (${counts})` : ''}`;
}

async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args,
    options: { kind: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('validate needs at least one FILE');
  const kind = values.kind as FileKind | undefined;
  if (kind !== undefined && !KINDS.includes(kind))
    throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, not ${JSON.stringify(kind)}`);

  const reports: FileReport[] = [];
  for (const file of positionals) reports.push(await validateFile(file, kind ? { kind } : {}));
  if (values.json) {
    const files = reports.map(({ file, kind: k, valid, readable, issues }) => ({
      file,
      kind: k ?? null,
      valid,
      readable,
      issues,
    }));
    process.stdout.write(`${JSON.stringify({ valid: reports.every((r) => r.valid), files }, null, 2)}\n`);
  } else {
    for (const report of reports) {
      const lines = [summary(report), ...report.issues.map((issue) => formatIssue(issue, report.file))];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }
  if (reports.some((r) => !r.readable)) return 2;
  return reports.every((r) => r.valid) ? 0 : 1;
}

function schemaCommand(args: string[]): number {
  const [kind, ...rest] = args;
  if (kind === undefined || rest.length > 0 || !KINDS.includes(kind as FileKind)) {
    throw new UsageError(`schema needs one KIND: ${KINDS.join(', ')}`);
  }
  process.stdout.write(`${JSON.stringify(jsonSchema(kind as FileKind), null, 2)}\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      process.stdout.write(versionLine('dpd-spec'));
      return 0;
    }
    if (command.startsWith('-')) throw new UsageError(`unknown option ${command}`, { brief: true });
    if (command === 'validate') return await validateCommand(rest);
    if (command === 'schema') return schemaCommand(rest);
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(usageMessage('dpd-spec', error, USAGE));
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dpd-spec: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
