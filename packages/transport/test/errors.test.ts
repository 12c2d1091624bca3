// The codes the transport raises are its registry's, and its README
// documents exactly those: a code added without its row, a row left for a
// code that is gone, or a literal code the registry lacks fails here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiprocdError } from '@diprocd/procspec';
import { codesInSource, documentedCodes } from '@diprocd/test-utils';
import { TRANSPORT_ERROR_CODES, TransportClient, TransportError, TransportServer } from '@diprocd/transport';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('error codes', () => {
  it("are the registry's, every one documented in the README and named in the source, and no other", () => {
    const registry = Object.keys(TRANSPORT_ERROR_CODES).sort();
    expect({ documented: documentedCodes(`${ROOT}README.md`), inSource: codesInSource(`${ROOT}src`) }).toEqual({
      documented: registry,
      inSource: registry,
    });
  });

  it('TransportError is a DiprocdError carrying its code and cause', () => {
    const cause = new Error('boom');
    const error = new TransportError('DPD_TRANSPORT_AUTH', 'x', { cause });
    expect([error instanceof DiprocdError, error.name, error.code, error.cause]).toEqual([
      true,
      'TransportError',
      'DPD_TRANSPORT_AUTH',
      cause,
    ]);
    // @ts-expect-error a code that is not in the registry does not compile
    expect(new TransportError('DPD_NOT_A_CODE', 'x').code).toBe('DPD_NOT_A_CODE');
  });

  it("TransportError is procspec's DiprocdError through require() too (one class per module system)", () => {
    const script =
      'const { DiprocdError } = require("@diprocd/procspec"), { TransportError } = require("@diprocd/transport"); process.stdout.write(String(new TransportError("DPD_TRANSPORT_KEY", "x") instanceof DiprocdError))';
    const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr + run.stdout).toBe('true');
  });
});

describe('options', () => {
  const ends = { updates: 'tcp://127.0.0.1:1', stats: 'tcp://127.0.0.1:2' };
  it('are checked in the constructors', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as TransportError).code;
      }
      return 'none';
    };
    expect([
      code(() => new TransportServer({ ...ends, heartbeatMs: 0 })),
      code(() => new TransportServer({ ...ends, suspectAfterMs: 500, downAfterMs: 100 })),
      code(() => new TransportServer({ ...ends, curve: { publicKey: 'x', secretKey: 'y', allow: {} } })),
      code(
        () =>
          new TransportClient({ ...ends, node: 'a\0b', report: () => ({ revision: 0, load: [0, 0, 0], procs: [] }) }),
      ),
      code(() => new TransportClient({ ...ends, node: 'a' } as never)),
      code(() => new TransportServer(ends).setDesired('', [])),
    ]).toEqual([
      'DPD_TRANSPORT_OPTIONS',
      'DPD_TRANSPORT_OPTIONS',
      'DPD_TRANSPORT_KEY',
      'DPD_TRANSPORT_NODE',
      'DPD_TRANSPORT_OPTIONS',
      'DPD_TRANSPORT_NODE',
    ]);
  });

  it('a closed server cannot start', async () => {
    const server = new TransportServer(ends);
    await server.close();
    await expect(server.start()).rejects.toMatchObject({ code: 'DPD_TRANSPORT_CLOSED' });
  });
});
