// Where dpd-ctl takes the master's API token from: DPD_API_TOKEN or
// --token-file. --token still works, with a warning: a command line is
// readable by every user of the host (/proc/PID/cmdline, ps).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CtlError } from '../errors.js';

export interface TokenOptions {
  token?: string;
  'token-file'?: string;
}

/** The API token, or null when none is given; `warn` gets one line per risk it sees. */
export function apiToken(options: TokenOptions, env: NodeJS.ProcessEnv, warn: (line: string) => void): string | null {
  if (options.token !== undefined && options['token-file'] !== undefined)
    throw new CtlError('DPD_USAGE', 'give --token-file or --token, not both', { exitCode: 2 });
  if (options.token !== undefined) {
    warn(
      '--token puts the API token on the command line, where every user of this host can read it (ps, /proc/PID/cmdline); use DPD_API_TOKEN or --token-file FILE',
    );
    return options.token || null;
  }
  const file = options['token-file'];
  if (file === undefined) return env.DPD_API_TOKEN || null;
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CtlError(
      'DPD_TOKEN_FILE',
      `--token-file ${path}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { exitCode: 2, cause: error },
    );
  }
  // One line; the newline an editor or `echo` adds is not part of the token.
  const token = text.replace(/\r?\n$/, '');
  if (token === '' || /[\r\n]/.test(token))
    throw new CtlError(
      'DPD_TOKEN_FILE',
      `--token-file ${path}: expected the token on one line, found ${token === '' ? 'an empty file' : 'several lines'}`,
      { exitCode: 2 },
    );
  if ((statSync(path).mode & 0o077) !== 0)
    warn(
      `--token-file ${path} is readable by other users (mode ${(statSync(path).mode & 0o777).toString(
        8,
      )}); chmod 600 it`,
    );
  return token;
}
