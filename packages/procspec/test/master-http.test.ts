// The master file's HTTP API keys (issue 14, part 4): plain HTTP off loopback is refused unless the file says so.
import { describe, expect, it } from 'vitest';
import { validate, type Issue } from '@diprocd/procspec';

const lines = (issues: Issue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.path}: ${i.message}`);
const master = (extra: Record<string, unknown>) => ({
  master_stats: 'tcp://127.0.0.1:5001',
  master_updates: 'tcp://127.0.0.1:5002',
  nodes: {},
  ...extra,
});

describe("the master file's http keys", () => {
  it('refuses plain HTTP on an address that is not loopback, naming the field and the two ways out', () => {
    // Attack: "http": "0.0.0.0:5080" served the token and job specs in clear to the network, silently.
    expect(lines(validate('master', master({ http: '0.0.0.0:5080' })).issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_PLAINTEXT http: "0.0.0.0:5080" is not a loopback address, and the API would be plain HTTP there (its token and job specs readable on the network); add http_tls {cert, key} to serve https, or "http_plaintext_remote": true to accept plain HTTP",
      ]
    `);
    for (const http of ['[::]:5080', '10.0.0.5:5080', 'master.example.com:5080', '[::ffff:10.0.0.1]:80']) {
      expect(validate('master', master({ http })).issues.map((i) => i.code)).toEqual(['DPD_SPEC_PLAINTEXT']);
    }
  });

  it('accepts loopback, TLS, or the explicit opt-in, and normalises the keys', () => {
    for (const http of ['127.0.0.1:5080', '127.8.9.10:1', '[::1]:5080', 'localhost:5080', 'LOCALHOST:5080']) {
      expect(validate('master', master({ http })).issues).toEqual([]);
    }
    const tls = validate(
      'master',
      master({
        http: '0.0.0.0:5443',
        http_tls: { cert: '/etc/diprocd/api.crt', key: 'etc/diprocd/api.key' },
        http_hostnames: ['Master.Example.com'],
      }),
    );
    expect([tls.issues, tls.value!.http_tls, tls.value!.http_hostnames, tls.value!.http_plaintext_remote]).toEqual([
      [],
      { cert: '/etc/diprocd/api.crt', key: '/etc/diprocd/api.key' },
      ['master.example.com'],
      false,
    ]);
    expect(validate('master', master({ http: '0.0.0.0:5080', http_plaintext_remote: true })).issues).toEqual([]);
    expect(validate('master', master({})).value).toMatchObject({
      http: '127.0.0.1:5080',
      http_tls: null,
      http_plaintext_remote: false,
      http_hostnames: [],
    });
  });

  it('says what is wrong with the keys themselves', () => {
    const result = validate(
      'master',
      master({
        http: '0.0.0.0:5443',
        http_tls: { cert: '/a.crt' },
        http_plaintext_remote: 'yes',
        http_hostnames: ['ok.example', 'evil/x'],
      }),
    );
    expect(lines(result.issues)).toMatchInlineSnapshot(`
      [
        "error DPD_SPEC_REQUIRED http_tls.key: required key is missing; expected a non-empty path without NUL",
        "error DPD_SPEC_TYPE http_plaintext_remote: expected true or false, found "yes"",
        "error DPD_SPEC_VALUE http_hostnames[1]: expected a host name such as "master.example.com", found "evil/x"",
      ]
    `);
    expect(
      lines(validate('master', master({ http_tls: { cert: '/a', key: '/b' }, http_plaintext_remote: true })).issues),
    ).toMatchInlineSnapshot(`
      [
        "warning DPD_SPEC_CONFLICT http_plaintext_remote: has no effect with http_tls: the API is served over TLS",
      ]
    `);
  });
});
