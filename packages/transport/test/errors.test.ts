import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TRANSPORT_ERROR_CODES, TransportClient, TransportError, TransportServer } from '@diprocd/transport';

describe('error codes', () => {
  it('are documented in the README, and the README documents no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('## Error codes'));
    const documented = [...new Set(table.match(/`DPD_[A-Z_]+`/g)?.map((code) => code.slice(1, -1)))].sort();
    expect(documented).toEqual(Object.keys(TRANSPORT_ERROR_CODES).sort());
  });

  it('TransportError carries its code and cause', () => {
    const cause = new Error('boom');
    const error = new TransportError('DPD_TRANSPORT_AUTH', 'x', { cause });
    expect([error instanceof Error, error.name, error.code, error.cause]).toEqual([true, 'TransportError', 'DPD_TRANSPORT_AUTH', cause]);
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
      code(() => new TransportClient({ ...ends, node: 'a\0b', report: () => ({ revision: 0, load: [0, 0, 0], procs: [] }) })),
      code(() => new TransportClient({ ...ends, node: 'a' } as never)),
      code(() => new TransportServer(ends).setDesired('', [])),
    ]).toEqual(['DPD_TRANSPORT_OPTIONS', 'DPD_TRANSPORT_OPTIONS', 'DPD_TRANSPORT_KEY', 'DPD_TRANSPORT_NODE', 'DPD_TRANSPORT_OPTIONS', 'DPD_TRANSPORT_NODE']);
  });

  it('a closed server cannot start', async () => {
    const server = new TransportServer(ends);
    await server.close();
    await expect(server.start()).rejects.toMatchObject({ code: 'DPD_TRANSPORT_CLOSED' });
  });
});
