// Whether an HTTP address (HOST:PORT, as the master file's `http`) stays on this host.
import { isIP } from 'node:net';

/**
 * True for 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x) and "localhost".
 * Any other name, and the wildcards 0.0.0.0 and ::, count as reachable from
 * the network: what a name resolves to can change.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(bare);
  return false;
}

/** The host part of "HOST:PORT" (brackets of an IPv6 address removed). */
export const addressHost = (address: string) => address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
