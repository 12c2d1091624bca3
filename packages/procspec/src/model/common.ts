// Building blocks for the file schemas. Each formatted string carries the
// words used in messages (`x-expected`) and the issue code it raises
// (`x-code`); both are plain annotations to JSON Schema tools.
import { Type, type TSchema } from '@sinclair/typebox';
import {
  ACCOUNT_PATTERN,
  DURATION_PATTERN,
  ENDPOINT_PATTERN,
  SIGNAL_PATTERN,
  SIZE_PATTERN,
} from './units.js';
import { IssueCode } from '../errors.js';

/** Annotations our validator reads on top of standard JSON Schema. */
export interface Hints {
  'x-expected'?: string;
  'x-code'?: IssueCode;
}

export function hinted<T extends TSchema>(schema: T, hints: Hints): T {
  return Object.assign(schema, hints);
}

export const Duration = (description: string) =>
  Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], {
    description: `${description} Seconds as a number, or a string with a unit: "500ms", "10s", "5m", "1h", "1d".`,
    'x-expected': 'a duration such as 10 or "500ms", "10s", "5m", "1h"',
    'x-code': 'DPD_SPEC_DURATION',
  });

export const Size = (description: string) =>
  Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: SIZE_PATTERN })], {
    description: `${description} Bytes as a number, or a string with a binary unit: "512k", "10M", "1G".`,
    'x-expected': 'a size such as 1048576 or "512k", "10M", "1G"',
    'x-code': 'DPD_SPEC_SIZE',
  });

export const Signal = (description: string) =>
  Type.String({
    pattern: SIGNAL_PATTERN,
    description,
    'x-expected': 'a signal name such as "SIGTERM" or "TERM"',
    'x-code': 'DPD_SPEC_SIGNAL',
  });

export const Account = (description: string, what: 'user' | 'group') =>
  Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: ACCOUNT_PATTERN })], {
    description,
    'x-expected': `a ${what} name or a numeric id`,
    'x-code': 'DPD_SPEC_ACCOUNT',
  });

export const Endpoint = (description: string) =>
  Type.String({
    pattern: ENDPOINT_PATTERN,
    description,
    'x-expected': 'a ZeroMQ endpoint such as "tcp://127.0.0.1:5555"',
    'x-code': 'DPD_SPEC_ENDPOINT',
  });

export const Path = (description: string) => Type.String({ minLength: 1, description });

export const StringList = (description: string) =>
  Type.Array(Type.String(), { description, 'x-expected': 'an array of strings' });

/** A command: a string (run by `/bin/sh -c`) or an argv array. */
export const Command = (description: string) =>
  Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
    description,
    'x-expected': 'a command string or a non-empty array of strings',
  });

/** Keys every daemon file shares (all optional here; the original required the first two). */
export const daemonFileKeys = {
  $schema: Type.Optional(Type.String({ description: 'Path or URL of this JSON Schema, for editors.' })),
  pid_file: Type.Optional(Path('Pid file of the daemon; locked so a second copy exits quietly.')),
  log_file: Type.Optional(Path('Log file of the daemon when it runs in the background.')),
};
