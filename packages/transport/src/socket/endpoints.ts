// Endpoint helpers: is an endpoint loopback, and ZeroMQ errors to ours.
import { TransportError, type TransportErrorCode } from '../errors.js';

/** True for endpoints only this host can reach: ipc, inproc, and tcp on 127.0.0.0/8, ::1 or localhost. */
export function isLocalEndpoint(endpoint: string): boolean {
  if (/^(ipc|inproc):\/\//.test(endpoint)) return true;
  const match = /^tcp:\/\/(?:\[([^\]]+)\]|([^:]+)):/.exec(endpoint);
  const host = match?.[1] ?? match?.[2];
  return host !== undefined && (/^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost');
}

/** Wraps a ZeroMQ bind/connect failure in a TransportError naming the endpoint. */
export function endpointError(
  code: TransportErrorCode,
  verb: string,
  endpoint: string,
  cause: unknown,
): TransportError {
  const zmqCode = (cause as { code?: string }).code;
  const why =
    zmqCode === 'EADDRINUSE'
      ? 'address in use'
      : zmqCode === 'EADDRNOTAVAIL'
        ? 'no such local address'
        : zmqCode === 'EACCES'
          ? 'permission denied'
          : (cause as Error).message;
  return new TransportError(code, `cannot ${verb} ${endpoint}: ${why}${zmqCode ? ` (${zmqCode})` : ''}`, { cause });
}
