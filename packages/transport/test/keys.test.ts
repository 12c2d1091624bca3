import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@diprocd/test-utils';
import { generateKeyPair, isZ85Key, readKeyFile, writeKeyFiles } from '@diprocd/transport';

const dir = tempDir('transport-keys');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('key files', () => {
  it('writes the secret key with mode 0600 and reads both keys back', () => {
    const { publicFile, secretFile } = writeKeyFiles(join(dir, 'keys'), 'master');
    expect([publicFile, secretFile]).toEqual([join(dir, 'keys', 'master.pub'), join(dir, 'keys', 'master.key')]);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const [pub, secret] = [readKeyFile(publicFile), readKeyFile(secretFile)];
    expect([isZ85Key(pub), isZ85Key(secret), pub === secret]).toEqual([true, true, false]);
    expect(readFileSync(secretFile, 'utf8')).toContain(secret);
  });

  it('refuses to overwrite existing key files', () => {
    writeKeyFiles(dir, 'once');
    expect(() => writeKeyFiles(dir, 'once')).toThrow(expect.objectContaining({ code: 'DPD_TRANSPORT_KEY' }));
  });

  it('refuses a secret key file readable by group or others, and malformed files', () => {
    const { secretFile } = writeKeyFiles(dir, 'loose');
    chmodSync(secretFile, 0o640);
    expect(() => readKeyFile(secretFile)).toThrow(
      expect.objectContaining({
        code: 'DPD_TRANSPORT_KEY',
        message: `secret key file ${secretFile} has mode 640: group or others can access it (chmod 600 it)`,
      }),
    );
    const bad = join(dir, 'bad.pub');
    writeFileSync(bad, '# a comment\nnot-a-key\n');
    expect(() => readKeyFile(bad)).toThrow(
      expect.objectContaining({
        code: 'DPD_TRANSPORT_KEY',
        message: `key file ${bad}: expected one 40-character Z85 key, found 1 line(s) of 9 characters`,
      }),
    );
    expect(() => readKeyFile(join(dir, 'missing.key'))).toThrow(expect.objectContaining({ code: 'DPD_TRANSPORT_KEY' }));
  });

  it('generateKeyPair gives two Z85 keys', () => {
    const { publicKey, secretKey } = generateKeyPair();
    expect([publicKey.length, secretKey.length, isZ85Key(publicKey), isZ85Key(secretKey)]).toEqual([
      40,
      40,
      true,
      true,
    ]);
  });
});
