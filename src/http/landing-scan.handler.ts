import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { OriginOf } from './client-origin.js';
import { toAppError } from './middleware/errors.js';
import { errorBody, requestIdOf, sendRaw } from './raw-response.js';
import type { ScanAnswer, ScanRequest } from './routes/landing.routes.js';

const ROUTE = '/s/:code';
const PREFIX = '/s/';

/**
 * GET /s/<code> served from node:http in front of Koa, like the WeCom callback: a poster
 * campaign's scan burst is the other hot path, and Koa's per-request machinery (context,
 * delegates, cookies, router matching) cost more than the page itself. The page is the Koa
 * route's own (`scanPage`); this keeps the app's conventions: request id, the client address
 * as the app reads it (`originOf`), request metrics, errors as the error boundary answers them. Other methods and paths fall through to Koa (returns false).
 */
export function createLandingScanHandler(d: { scan: (q: ScanRequest) => Promise<ScanAnswer>; metrics: Metrics; log: Logger; originOf: OriginOf; pageHeaders: Readonly<Record<string, string>> }): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(PREFIX)) return false;
    const q = url.indexOf('?');
    // Not decoded: a channel code is plain ASCII, and anything else gets the not-found page.
    const code = q === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
    if (code === '' || code.includes('/')) return false;
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req.headers['x-request-id']);
    const finish = (status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}) =>
      sendRaw(req, res, { metrics: d.metrics, route: ROUTE, started, status, type, body, headers: { 'X-Request-Id': requestId, ...d.pageHeaders, ...headers } });
    const origin = d.originOf(req);
    const scan: ScanRequest = { code, cookie: req.headers.cookie, ip: origin.ip, https: origin.https, userAgent: req.headers['user-agent'] ?? '' };
    d.scan(scan).then(
      (a) => finish(a.status, 'text/html; charset=utf-8', a.html, { ...(a.status === 200 ? { 'Cache-Control': 'no-store' } : {}), ...(a.setCookie ? { 'Set-Cookie': a.setCookie } : {}) }),
      (err: unknown) => {
        const e = toAppError(err);
        if (e.status >= 500) d.log.error({ requestId, code: e.code, err: err instanceof Error ? err.message : String(err), path: ROUTE }, 'request failed');
        const body = JSON.stringify(errorBody(e, requestId));
        finish(e.status, 'application/json; charset=utf-8', body, e.status === 503 ? { 'Retry-After': '5' } : {});
      },
    );
    return true;
  };
}
