// Building blocks for the file schemas. Each formatted string carries the
// words used in messages (`x-expected`) and the issue code it raises
// (`x-code`); both are plain annotations to JSON Schema tools.
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ACCOUNT_PATTERN,
  DURATION_PATTERN,
  ENDPOINT_PATTERN,
  ENV_NAME_PATTERN,
  MAX_DURATION_MS,
  MAX_ID,
  MAX_SIZE_BYTES,
  NO_NUL_PATTERN,
  POSITIVE_DURATION_PATTERN,
  SIGNAL_PATTERN,
  SIZE_PATTERN,
} from './units.js';
import { IssueCode } from '../errors.js';

/** Annotations our validator reads on top of standard JSON Schema. */
export interface Hints {
  /** What the value should be, in words. */
  'x-expected'?: string;
  /** The issue code of a mismatch (a wrong container type is always DPD_SPEC_TYPE). */
  'x-code'?: IssueCode;
  /** What a record's keys should be, in words. */
  'x-key'?: string;
  /** Checked by parsing, past what JSON Schema can say: the limit on a duration's or size's text. */
  'x-parse'?: 'duration' | 'positive-duration' | 'size';
  /** How deep a free-form value may nest (counting itself), so copying it cannot overflow the stack. */
  'x-max-depth'?: number;
}

export function hinted<T extends TSchema>(schema: T, hints: Hints): T {
  return Object.assign(schema, hints);
}

/**
 * A duration: seconds as a number, or text with units, at most 365 days.
 * `positive` where zero would make no sense (an interval, a window, a limit).
 */
export const Duration = (description: string, options: { positive?: boolean } = {}) =>
  Type.Union(
    [
      Type.Number({
        ...(options.positive ? { exclusiveMinimum: 0 } : { minimum: 0 }),
        maximum: MAX_DURATION_MS / 1000,
      }),
      Type.String({ pattern: options.positive ? POSITIVE_DURATION_PATTERN : DURATION_PATTERN }),
    ],
    {
      description: `${description} Seconds as a number, or a string with a unit: "500ms", "10s", "5m", "1h", "1d"; at most 365 days${options.positive ? ', above 0' : ''}.`,
      'x-expected': 'a duration such as 10 or "500ms", "10s", "5m", "1h"',
      'x-code': 'DPD_SPEC_DURATION',
      'x-parse': options.positive ? 'positive-duration' : 'duration',
    },
  );

export const Size = (description: string) =>
  Type.Union([Type.Integer({ minimum: 1, maximum: MAX_SIZE_BYTES }), Type.String({ pattern: SIZE_PATTERN })], {
    description: `${description} Bytes as a number, or a string with a binary unit: "512k", "10M", "1G"; above 0, at most 2^50 bytes.`,
    'x-expected': 'a size above 0 such as 1048576 or "512k", "10M", "1G"',
    'x-code': 'DPD_SPEC_SIZE',
    'x-parse': 'size',
  });

export const Signal = (description: string) =>
  Type.String({
    pattern: SIGNAL_PATTERN,
    description,
    'x-expected': 'a signal name such as "SIGTERM" or "TERM"',
    'x-code': 'DPD_SPEC_SIGNAL',
  });

export const Account = (description: string, what: 'user' | 'group') =>
  Type.Union([Type.Integer({ minimum: 0, maximum: MAX_ID }), Type.String({ pattern: ACCOUNT_PATTERN })], {
    description,
    'x-expected': `a ${what} name or a numeric id up to ${MAX_ID}`,
    'x-code': 'DPD_SPEC_ACCOUNT',
  });

export const Endpoint = (description: string) =>
  Type.String({
    pattern: ENDPOINT_PATTERN,
    description,
    'x-expected': 'a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"',
    'x-code': 'DPD_SPEC_ENDPOINT',
  });

/**
 * A string that reaches exec or the file system (a program, an argument, a
 * path, an environment value): no NUL, which would silently cut it short there.
 */
export const NulFree = (options: { description?: string; nonEmpty?: boolean; what?: string } = {}) =>
  Type.String({
    ...(options.nonEmpty ? { minLength: 1 } : {}),
    pattern: NO_NUL_PATTERN,
    ...(options.description === undefined ? {} : { description: options.description }),
    'x-expected': `${options.nonEmpty ? 'a non-empty ' : 'a '}${options.what ?? 'string'} without NUL`,
  });

export const Path = (description: string) => NulFree({ description, nonEmpty: true, what: 'path' });

export const StringList = (description: string) =>
  Type.Array(Type.String(), { description, 'x-expected': 'an array of strings' });

/** A list of arguments or package names: they all reach exec. */
export const ArgList = (description: string) =>
  Type.Array(NulFree(), { description, 'x-expected': 'an array of strings' });

/** A command: a string (run by `/bin/sh -c`) or an argv array. */
export const Command = (description: string) =>
  Type.Union([NulFree({ nonEmpty: true }), Type.Array(NulFree(), { minItems: 1 })], {
    description,
    'x-expected': 'a command string or a non-empty array of strings',
  });

/** Environment variables: the same rules for a process and a job. */
export const Env = (description: string) =>
  Type.Record(
    Type.String({ pattern: ENV_NAME_PATTERN }),
    Type.Union([NulFree(), Type.Number(), Type.Boolean()], { 'x-expected': 'a string, number or boolean' }),
    {
      description,
      additionalProperties: false,
      'x-expected': 'an object of environment variables',
      'x-key': 'an environment variable name (no "=" or NUL)',
    },
  );

/** Keys every daemon file shares (all optional here; the original required the first two). */
export const daemonFileKeys = {
  $schema: Type.Optional(Type.String({ description: 'Path or URL of this JSON Schema, for editors.' })),
  pid_file: Type.Optional(Path('Pid file of the daemon; locked so a second copy exits quietly.')),
  log_file: Type.Optional(Path('Log file of the daemon when it runs in the background.')),
};
