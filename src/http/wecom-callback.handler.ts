import type { IncomingMessage, ServerResponse } from 'node:http';
import { CallbackRejected, openCallback, type CallbackQuery } from '../integrations/wecom/callback.js';
import { WecomCryptoError, type CallbackCrypto } from '../integrations/wecom/crypto.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventInbox } from '../domain/acquisition/event-inbox.js';
import { requestIdOf, sendRaw } from './raw-response.js';

export interface WecomCallbackDeps {
  crypto: CallbackCrypto;
  inbox: EventInbox;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  maxSkewSec: number;
  bodyLimitBytes: number;
  /** Whether anything processes this event after it is recorded. */
  needsWork: (fields: Record<string, unknown>) => boolean;
}

export const CALLBACK_PATH = '/wecom/callback';

const MESSAGES: Record<number, [string, string]> = {
  400: ['CALLBACK.MALFORMED', '回调内容无法解析'],
  401: ['CALLBACK.UNAUTHORIZED', '回调签名校验失败'],
  405: ['REQUEST.METHOD_NOT_ALLOWED', '不支持的请求方法'],
  413: ['REQUEST.TOO_LARGE', '请求内容过大'],
  500: ['INTERNAL', '服务暂时不可用，请稍后再试'],
  503: ['CALLBACK.STORE_UNAVAILABLE', '服务暂时不可用，请稍后重试'],
};

/**
 * WeCom's callback URL, served straight from node:http in front of Koa: it is the hottest path
 * of the product and Koa's per-request machinery would cost more than the crypto (see
 * perf-ceilings.md). It keeps the conventions of the Koa app: request id header, JSON error
 * body with a code and a Chinese message, request metrics, one log line per rejection.
 *
 * GET answers the URL verification with the decrypted echo, verbatim. POST verifies, decrypts,
 * records the event durably (group commit) and answers 200 with an empty body; nothing slow
 * happens before the answer. A database outage answers 503 so WeCom retries.
 */
export function createWecomCallbackHandler(d: WecomCallbackDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const finish = (req: IncomingMessage, res: ServerResponse, started: bigint, status: number, body: string, type?: string) =>
    sendRaw(req, res, { metrics: d.metrics, route: CALLBACK_PATH, started, status, body, ...(type ? { type } : {}) });
  const fail = (req: IncomingMessage, res: ServerResponse, started: bigint, requestId: string, status: number, reason: string) => {
    const [code, message] = MESSAGES[status]!;
    d.log.info({ requestId, code, status, reason }, 'callback rejected');
    finish(req, res, started, status, JSON.stringify({ error: { code, message, requestId } }), 'application/json; charset=utf-8');
  };

  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q === -1 ? url : url.slice(0, q)) !== CALLBACK_PATH) return false;
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : url.slice(q + 1))) as CallbackQuery;

    if (req.method === 'GET') {
      if (!query.msg_signature || !query.timestamp || !query.nonce || !query.echostr) {
        d.metrics.callbacks.inc({ outcome: 'verify_rejected' });
        fail(req, res, started, requestId, 400, 'missing verification parameters');
        return true;
      }
      try {
        const echo = d.crypto.verifyUrl({ msg_signature: query.msg_signature, timestamp: query.timestamp, nonce: query.nonce, echostr: query.echostr });
        d.metrics.callbacks.inc({ outcome: 'verified' });
        finish(req, res, started, 200, echo, 'text/plain; charset=utf-8');
      } catch (e) {
        d.metrics.callbacks.inc({ outcome: 'verify_rejected' });
        const status = e instanceof WecomCryptoError && (e.failure === 'signature' || e.failure === 'receive_id') ? 401 : 400;
        fail(req, res, started, requestId, status, e instanceof WecomCryptoError ? e.failure : 'verification failed');
      }
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      fail(req, res, started, requestId, 405, `method ${req.method}`);
      return true;
    }

    const declared = Number(req.headers['content-length']);
    if (declared > d.bodyLimitBytes) {
      // Answer without reading the body, and close: the client may still be sending.
      res.setHeader('Connection', 'close');
      fail(req, res, started, requestId, 413, 'declared body too large');
      req.resume();
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      if (tooLarge) return;
      size += c.length;
      if (size > d.bodyLimitBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => {
      if (!res.headersSent) fail(req, res, started, requestId, 400, 'request stream error');
    });
    req.on('end', () => {
      if (tooLarge) {
        fail(req, res, started, requestId, 413, 'body too large');
        return;
      }
      const receivedAt = d.clock.now();
      const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      let opened;
      let needsWork: boolean;
      try {
        opened = openCallback(d.crypto, query, body, receivedAt, d.maxSkewSec);
        needsWork = d.needsWork(opened.fields as Record<string, unknown>);
      } catch (e) {
        if (e instanceof CallbackRejected) {
          d.metrics.callbacks.inc({ outcome: `rejected_${e.status}` });
          fail(req, res, started, requestId, e.status, e.reason);
          return;
        }
        // Never let one request's surprise take the process down; WeCom will retry a 500.
        d.metrics.callbacks.inc({ outcome: 'error' });
        d.log.error({ requestId, err: (e as Error).message }, 'callback handler failed');
        fail(req, res, started, requestId, 500, 'unexpected error');
        return;
      }
      const fields = opened.fields as Record<string, unknown>;
      const kind = opened.kind;
      d.inbox.accept({ dedupeKey: opened.dedupeKey, kind, fields, receivedAt, needsWork }).then(
        () => {
          d.metrics.callbacks.inc({ outcome: 'accepted' });
          finish(req, res, started, 200, '');
        },
        (err: Error) => {
          d.metrics.callbacks.inc({ outcome: 'store_failed' });
          d.log.error({ requestId, err: err.message, kind }, 'callback not recorded; answering 503 so WeCom retries');
          fail(req, res, started, requestId, 503, 'store unavailable');
        },
      );
    });
    return true;
  };
}
