import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppError } from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';
import { RESPONSE_HEADERS } from './security-headers.js';

/**
 * What the Koa app and the two node:http hot paths (WeCom callback, landing scan) share, so the
 * answers look the same whichever served them.
 */

/** The caller's X-Request-Id when it is a sane length, else a new one. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && incoming && incoming.length <= 64 ? incoming : randomUUID();
}

/** The JSON body of an error answer: its code, Chinese message and the request id. */
export function errorBody(e: Pick<AppError, 'code' | 'message' | 'status' | 'details'>, requestId: string) {
  return { error: { code: e.code, message: e.message, requestId, ...(e.status < 500 && e.details ? { details: e.details } : {}) } };
}

/** Ends a node:http response with a complete body and records the request metrics under `route`. */
export function sendRaw(
  req: IncomingMessage,
  res: ServerResponse,
  a: { metrics: Metrics; route: string; started: bigint; status: number; body: Buffer | string; type?: string; headers?: Record<string, string> },
): void {
  res.statusCode = a.status;
  if (a.type) res.setHeader('Content-Type', a.type);
  res.setHeader('Content-Length', typeof a.body === 'string' ? Buffer.byteLength(a.body) : a.body.length);
  for (const [k, v] of Object.entries(RESPONSE_HEADERS)) res.setHeader(k, v);
  for (const [k, v] of Object.entries(a.headers ?? {})) res.setHeader(k, v);
  res.end(a.body);
  a.metrics.httpRequests.inc({ method: req.method ?? '', route: a.route, status: String(a.status) });
  a.metrics.httpDuration.observe({ method: req.method ?? '', route: a.route }, Number(process.hrtime.bigint() - a.started) / 1e9);
}
