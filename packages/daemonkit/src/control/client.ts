// The client end: one request, one answer, with a deadline.
import { createConnection } from 'node:net';
import { ControlError } from '../errors.js';
import { MAX_MESSAGE_BYTES, lineReader, type Command, type Results } from './protocol.js';

/** `timeoutMs` Infinity waits as long as the worker works (a stop waits for stop_timeout). */
export function request<C extends Command>(path: string, command: C, timeoutMs = 30_000): Promise<Results[C['cmd']]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(
      () => {
        socket.destroy();
        reject(new ControlError('DPD_CONTROL_TIMEOUT', `no answer from the worker on ${path} within ${timeoutMs} ms`));
      },
      Number.isFinite(timeoutMs) ? timeoutMs : 2 ** 31 - 1,
    );
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    socket.once('connect', () => socket.write(`${JSON.stringify({ ...command, id: 1 })}\n`));
    socket.once('close', () =>
      finish(() =>
        reject(
          new ControlError(
            'DPD_CONTROL_CLOSED',
            `the worker on ${path} closed the connection without answering (did it exit?)`,
          ),
        ),
      ),
    );
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          // A worker may well be listening: the socket (mode 0600) or a directory on its path does not let this user
          // in.
          error.code === 'EACCES' || error.code === 'EPERM'
            ? new ControlError(
                'DPD_CONTROL_DENIED',
                `permission denied on ${path} (${error.code}): the control socket lets in only its owner; run dpd-ctl as the worker's user (e.g. with sudo)`,
                { cause: error },
              )
            : new ControlError(
                'DPD_CONTROL_UNREACHABLE',
                `no worker is listening on ${path} (${error.code ?? error.message}); is dpd-workerd running?`,
                { cause: error },
              ),
        ),
      ),
    );
    socket.on(
      'data',
      lineReader(
        (line) => {
          let response: { ok?: boolean; result?: unknown; error?: { code?: string; message?: string } };
          try {
            response = JSON.parse(line);
          } catch {
            return finish(() =>
              reject(
                new ControlError(
                  'DPD_CONTROL_PROTOCOL',
                  `the worker on ${path} answered with something that is not one JSON line (${line.length} bytes)`,
                ),
              ),
            );
          }
          if (response.ok) finish(() => resolve(response.result as Results[C['cmd']]));
          else {
            const message = response.error?.message ?? 'the worker refused without a reason';
            const code = response.error?.code;
            finish(() =>
              reject(
                typeof code === 'string'
                  ? new ControlError(code, message, { answered: true })
                  : new ControlError('DPD_CONTROL_PROTOCOL', message),
              ),
            );
          }
        },
        MAX_MESSAGE_BYTES,
        () =>
          finish(() =>
            reject(
              new ControlError(
                'DPD_CONTROL_PROTOCOL',
                `the worker on ${path} answered with a line over ${MAX_MESSAGE_BYTES} bytes`,
              ),
            ),
          ),
      ),
    );
  });
}
