// The worker's end of the control socket: a Unix socket, mode 0600.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { lineReader, type ControlRequest as Request, type ControlResponse as Response } from '@diprocd/daemonkit';

export type Handler = (request: Request) => Promise<unknown>;

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
    socket.on(
      'data',
      lineReader((line) => {
        let request: Request;
        try {
          request = JSON.parse(line) as Request;
        } catch {
          request = null as unknown as Request;
        }
        // Anything but {id: number, cmd: string, …} is answered, never handled.
        if (typeof request !== 'object' || request === null || typeof request.id !== 'number' || typeof request.cmd !== 'string') {
          reply({ id: -1, ok: false, error: { code: 'DPD_CONTROL_PROTOCOL', message: 'expected one JSON object per line: {"id": number, "cmd": string, …}' } });
          return;
        }
        if ('name' in request && typeof request.name !== 'string') {
          reply({ id: request.id, ok: false, error: { code: 'DPD_CONTROL_PROTOCOL', message: 'name must be a string' } });
          return;
        }
        handle(request).then(
          (result) => reply({ id: request.id, ok: true, result }),
          (error: { code?: string; message?: string }) => reply({ id: request.id, ok: false, error: { code: error.code ?? 'DPD_CONTROL_FAILED', message: error.message ?? String(error) } }),
        );
      }),
    );
    const reply = (response: Response) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
    };
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
