import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ipMatcher, plainAddress, type IpRange } from '../shared/ip-ranges.js';

/** Where a request came from, as far as this server can know it. */
export interface ClientOrigin {
  /** The client's address: rate limits, the landing's ip hash and the audit log key on it. */
  ip: string;
  /** Whether the client reached us over HTTPS (a TLS-terminating proxy in front, usually). */
  https: boolean;
}

export type OriginOf = (req: IncomingMessage) => ClientOrigin;

// A longer chain than this is not a deployment, it is someone padding the header.
const MAX_HOPS = 16;

/**
 * The one reader of "who is the client of this request", for Koa and the node:http hot paths
 * alike. X-Forwarded-For and X-Forwarded-Proto are believed only when the direct peer is a
 * trusted proxy (TRUSTED_PROXIES); anyone else could write them to pick their own rate-limit
 * bucket. The chain is walked from the right, skipping trusted proxies, and the first address
 * that is not one is the client: a proxy appends the address it saw, so whatever a client wrote
 * itself stays on the left and is never taken (Koa's `proxy: true` took the leftmost).
 */
export function clientOrigin(trusted: readonly IpRange[]): OriginOf {
  const isTrusted = ipMatcher(trusted);
  return (req) => {
    const peer = plainAddress(req.socket.remoteAddress ?? '');
    const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
    if (!isTrusted(peer)) return { ip: peer, https: tls };
    let ip = peer;
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string' && xff !== '') {
      const hops = xff.split(',');
      for (let i = hops.length - 1, n = 0; i >= 0 && n < MAX_HOPS; i--, n++) {
        const hop = plainAddress(hops[i]!.trim());
        // A hop that is not an address (garbage, `unknown`, with a port) ends the walk at the last good one.
        if (isIP(hop) === 0) break;
        ip = hop;
        if (!isTrusted(hop)) break;
      }
    }
    const proto = req.headers['x-forwarded-proto'];
    const first = typeof proto === 'string' ? proto.split(',', 1)[0]!.trim().toLowerCase() : '';
    return { ip, https: tls || first === 'https' };
  };
}
