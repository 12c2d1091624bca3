// The Host header against the names the API is served on: the guard
// against DNS rebinding (a web page whose name is made to resolve to the
// master's address, then reads the API from the operator's browser).
import { isIP } from 'node:net';

/**
 * Why a request's Host is refused (421), or null when it is allowed: an IP
 * address (a page cannot rebind a literal address), "localhost" (browsers
 * resolve it themselves), or one of `names` (lower case). Without a Host
 * header, refused: HTTP/1.1 requires it and browsers always send it.
 */
export function hostRefused(header: string | undefined, names: readonly string[]): string | null {
  if (header === undefined || header === '') return 'the request has no Host header';
  // HOST, HOST:PORT, [IPV6] or [IPV6]:PORT.
  const host = (/^\[([^\]]*)\](?::\d*)?$/.exec(header)?.[1] ?? header.replace(/:\d*$/, ''))
    .toLowerCase()
    .replace(/\.$/, '');
  if (isIP(host) !== 0 || host === 'localhost' || names.includes(host)) return null;
  const allowed =
    names.length > 0 ? `, localhost or ${names.map((name) => JSON.stringify(name)).join(', ')}` : ' or localhost';
  return `Host ${JSON.stringify(header)} is not a name this API is served on (an IP address${allowed}; add the name to http_hostnames in the master file); refused against DNS rebinding`;
}
