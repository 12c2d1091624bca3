// Attacks on the master's HTTP API (issue 14, part 4), each against a real
// dpd-masterd on 127.0.0.1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cluster } from './helpers.js';

const TOKEN = 'test-token-0123456789';
const MASTERD = fileURLToPath(new URL('../bin/dpd-masterd.js', import.meta.url));
const CTL = fileURLToPath(new URL('../../worker/bin/dpd-ctl.js', import.meta.url));

let cluster: Cluster;
beforeEach(async () => {
  cluster = await new Cluster().init();
});
afterEach(async () => {
  await cluster.cleanup();
});

interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  ca?: Buffer;
}

/**
 * One request with node's own client (it lets a test set Host), bounded; resolves with the status and the body as text.
 */
function call(url: string, path: string, options: Call = {}): Promise<{ status: number; body: string }> {
  const target = new URL(path, url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        timeout: 10_000,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.once('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.once('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.once('error', reject);
    req.end(options.body);
  });
}

/** dpd-masterd run to its end on `file` (a file it must refuse): its exit code and its failure event. */
function refusedStart(file: string): {
  code: number | null;
  failed: { msg: string; code?: string; message?: string } | undefined;
  stderr: string;
} {
  const run = spawnSync(MASTERD, ['-f', '--log-format', 'json', file], { encoding: 'utf8', timeout: 20_000 });
  const events = run.stderr
    .trim()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  return {
    code: run.status,
    failed: events.find((e) => e.msg === 'master.failed' || e.msg === 'file.invalid'),
    stderr: run.stderr,
  };
}

describe('the HTTP API', () => {
  // Test files run side by side: a port free when chosen can be taken before the master binds it (a flaky EADDRINUSE).
  it('is started again on a fresh port when its port was taken meanwhile (the test helper)', async () => {
    const taken = createServer();
    const port = Number(cluster.endpoints.http.split(':')[1]);
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      cluster.writeMaster({ node1: [] });
      await cluster.startMaster();
      expect(cluster.api).not.toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${cluster.api}/api/hosts/`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a Host that is not a name it is served on (DNS rebinding), and serves IP addresses, localhost and http_hostnames', async () => {
    // Attack: a page at evil.example, rebound to 127.0.0.1, read /api/status from the operator's browser.
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN, http_hostnames: ['master.example.com'] });
    await cluster.startMaster();
    const port = new URL(cluster.api).port;
    const evil = await call(cluster.api, '/api/hosts/', { headers: { host: `evil.example:${port}` } });
    expect([evil.status, JSON.parse(evil.body)]).toEqual([
      421,
      {
        error: `Host "evil.example:${port}" is not a name this API is served on (an IP address, localhost or "master.example.com"; add the name to http_hostnames in the master file); refused against DNS rebinding`,
      },
    ]);
    expect(
      (
        await call(cluster.api, '/api/procs/', {
          method: 'POST',
          headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` },
          body: '{"cmd": "true"}',
        })
      ).status,
    ).toBe(421);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      'MASTER.example.com.',
      `master.example.com:${port}`,
    ]) {
      expect([host, (await call(cluster.api, '/api/hosts/', { headers: { host } })).status]).toEqual([host, 200]);
    }
  });

  it('answers a body over the limit with 413, not a reset connection', async () => {
    // Bug: the connection was reset after 4-8 MB of a 50 MB body; the client never saw why.
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN });
    await cluster.startMaster();
    const body = Buffer.alloc(50 * 1024 * 1024, ' ');
    const posted = await fetch(`${cluster.api}/api/procs/`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
    expect([posted.status, await posted.json()]).toEqual([
      413,
      { error: 'the request body is over the limit of 4194304 bytes' },
    ]);
    // Sent without a Content-Length (chunked), and as a log upload.
    const streamed = await call(cluster.api, '/api/procs/1/logfile/', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' },
      body,
    });
    expect(streamed.status).toBe(413);
    expect((await call(cluster.api, '/api/hosts/')).status).toBe(200);
  });

  it('answers a malformed %-escape with 400, not 500', async () => {
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN });
    await cluster.startMaster();
    // Bug: decodeURIComponent threw, and the API answered 500 "URI malformed".
    const malformed = await call(cluster.api, '/api/nodes/%E0%A4%A');
    expect([malformed.status, JSON.parse(malformed.body)]).toEqual([
      400,
      { error: 'malformed %-escape in the node name "%E0%A4%A"' },
    ]);
  });

  it('refuses plain HTTP on an address that is not loopback, naming the file, the field and the reason', () => {
    cluster.writeMaster({ node1: [] }, { http: '0.0.0.0:5080' });
    const refused = refusedStart(cluster.masterFile);
    expect(refused.code).toBe(1);
    expect(refused.stderr.replaceAll(cluster.masterFile, 'MASTER')).toMatchInlineSnapshot(`
      "dpd-masterd: MASTER: invalid master file, nothing started
      MASTER:http: error: "0.0.0.0:5080" is not a loopback address, and the API would be plain HTTP there (its token and job specs readable on the network); add http_tls {cert, key} to serve https, or "http_plaintext_remote": true to accept plain HTTP [DPD_SPEC_PLAINTEXT]
      "
    `);
  });
});

describe('the HTTP API over TLS', () => {
  /** A self-signed certificate for 127.0.0.1 (its own CA), made by openssl in the cluster's dir. */
  function selfSigned(): { cert: string; key: string; pem: Buffer } {
    const [cert, key] = [join(cluster.dir, 'api.crt'), join(cluster.dir, 'api.key')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=dpd-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return { cert, key, pem: readFileSync(cert) };
  }

  it('serves https with the cert and key files, and dpd-ctl reads it with that CA', async () => {
    const tls = selfSigned();
    cluster.writeMaster({ node1: [] }, { api_token: TOKEN, http_tls: { cert: tls.cert, key: tls.key } });
    await cluster.startMaster();
    expect(cluster.api).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await call(cluster.api, '/api/hosts/', { ca: tls.pem })).toMatchObject({ status: 200 });
    // Plain HTTP on the TLS port gets no API answer; an unknown CA is refused by the client.
    await expect(call(cluster.api.replace('https:', 'http:'), '/api/hosts/')).rejects.toThrow();
    await expect(call(cluster.api, '/api/hosts/')).rejects.toThrow(/self.signed/);
    const ctl = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CTL, '--master', cluster.api, 'status'], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, ...out }));
    });
    expect([ctl.code, ctl.stderr, ctl.stdout]).toEqual([
      0,
      '',
      'node1: unknown, last heartbeat never\n  (no processes)\n',
    ]);
  });

  it('refuses to start when a TLS file is missing or the pair does not fit, naming the file, the field and the reason', () => {
    const tls = selfSigned();
    cluster.writeMaster({ node1: [] }, { http_tls: { cert: tls.cert, key: join(cluster.dir, 'missing.key') } });
    expect(refusedStart(cluster.masterFile).failed).toEqual(
      expect.objectContaining({
        msg: 'master.failed',
        code: 'DPD_HTTP_TLS',
        message: `${cluster.masterFile}: http_tls.key: cannot read ${join(cluster.dir, 'missing.key')}: ENOENT`,
      }),
    );
    writeFileSync(join(cluster.dir, 'garbage.key'), 'not a key\n');
    cluster.writeMaster({ node1: [] }, { http_tls: { cert: tls.cert, key: join(cluster.dir, 'garbage.key') } });
    const bad = refusedStart(cluster.masterFile).failed;
    expect([
      bad?.code,
      bad?.message?.startsWith(
        `${cluster.masterFile}: http_tls: the certificate ${tls.cert} and the key ${join(cluster.dir, 'garbage.key')} cannot serve TLS: `,
      ),
    ]).toEqual(['DPD_HTTP_TLS', true]);
  });
});
