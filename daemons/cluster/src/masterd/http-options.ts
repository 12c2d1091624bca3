// What the HTTP API is served with, from the master file: TLS (its files
// read and checked at start) and the names it answers to.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { MasterFile } from '@diprocd/procspec';
import { ClusterError, osReason } from '../errors.js';

export interface HttpOptions {
  tls: { cert: Buffer; key: Buffer } | null;
  /** Host names besides IP addresses and localhost, lower case. */
  hostnames: string[];
}

const tlsError = (message: string, cause: unknown) => new ClusterError('DPD_HTTP_TLS', message, { cause });

/** Reads the TLS files of `file`'s http_tls; throws DPD_HTTP_TLS naming the file, the field and the reason. */
export function httpOptions(file: string, master: MasterFile): HttpOptions {
  if (master.http_tls === null) return { tls: null, hostnames: master.http_hostnames };
  const read = (field: 'cert' | 'key') => {
    const path = master.http_tls![field];
    try {
      return readFileSync(path);
    } catch (error) {
      throw tlsError(`${file}: http_tls.${field}: cannot read ${path}: ${osReason(error)}`, error);
    }
  };
  const tls = { cert: read('cert'), key: read('key') };
  try {
    // The pair is checked now, so a wrong file stops the start, not the first client.
    createSecureContext(tls);
  } catch (error) {
    throw tlsError(
      `${file}: http_tls: the certificate ${master.http_tls.cert} and the key ${master.http_tls.key} cannot serve TLS: ${(error as Error).message}`,
      error,
    );
  }
  return { tls, hostnames: master.http_hostnames };
}
