// The worker's end of the control socket: a Unix socket, mode 0600.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import type { WorkerErrorCode } from '../errors.js';
import {
  MAX_REQUEST_BYTES,
  type ControlRequest,
  checkRequest,
  lineReader,
  type ControlResponse as Response,
} from '@diprocd/daemonkit';

export type Handler = (request: ControlRequest) => Promise<unknown>;

/** True when something accepts connections on `path`. */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function serveControl(path: string, handle: Handler): Promise<Server> {
  // A socket file left by a worker that died is removed; a live one is not.
  if (existsSync(path)) {
    if (await listening(path)) throw new Error(`control socket ${path} is in use by another worker`);
    unlinkSync(path);
  }
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const reply = (response: Response) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
    };
    socket.on(
      'data',
      lineReader(
        (line) => {
          // Anything but a well-formed request is answered, never handled.
          const checked = checkRequest(line);
          if (!checked.ok)
            return reply({
              id: checked.id,
              ok: false,
              error: { code: 'DPD_CONTROL_PROTOCOL', message: checked.message },
            });
          const request = checked.request;
          handle(request).then(
            (result) => reply({ id: request.id, ok: true, result }),
            (error: { code?: string; message?: string }) =>
              reply({
                id: request.id,
                ok: false,
                error: {
                  code: error.code ?? ('DPD_CONTROL_FAILED' satisfies WorkerErrorCode),
                  message: error.message ?? String(error),
                },
              }),
          );
        },
        MAX_REQUEST_BYTES,
        // Said once, then the connection is closed once the answer is out: what follows on it is never read.
        () => {
          reply({
            id: -1,
            ok: false,
            error: {
              code: 'DPD_CONTROL_TOO_LONG' satisfies WorkerErrorCode,
              message: `a request line over ${MAX_REQUEST_BYTES} bytes; the connection is closed`,
            },
          });
          socket.pause();
          socket.end(() => socket.destroy());
        },
      ),
    );
  });
  // Created 0600 from the start (umask around listen), not chmod-ed after a window.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600);
  return server;
}
