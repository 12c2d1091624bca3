// Ports and endpoints on 127.0.0.1 only, and small builders for the tests.
import { createServer } from 'node:net';
import type { NodeReport } from '@diprocd/transport';

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A pair of fresh loopback endpoints for a master. */
export async function endpoints(): Promise<{ updates: string; stats: string }> {
  const [a, b] = [await freePort(), await freePort()];
  return { updates: `tcp://127.0.0.1:${a}`, stats: `tcp://127.0.0.1:${b}` };
}

/** A report with no processes at the given revision. */
export const report = (revision = 0): NodeReport => ({ revision, load: [0.1, 0.2, 0.3], procs: [] });

/** Runs `body` with the things to close collected in `closers`, and closes them all after. */
export async function closing<T>(
  body: (track: <C extends { close(): Promise<void> }>(c: C) => C) => Promise<T>,
): Promise<T> {
  const closers: { close(): Promise<void> }[] = [];
  try {
    return await body((c) => (closers.push(c), c));
  } finally {
    await Promise.all(closers.map((c) => c.close()));
  }
}
