import Router from '@koa/router';
import type { EventInbox } from '../../store/callback-event.store.js';
import type { Clock } from '../../shared/clock.js';
import { AppError, unavailable } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { CallbackRejected, openCallback } from '../../integrations/wecom/callback.js';
import { WecomCryptoError, type CallbackCrypto } from '../../integrations/wecom/crypto.js';
import { readText } from '../body.js';

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

const REJECT_MESSAGE: Record<400 | 401, string> = { 400: '回调内容无法解析', 401: '回调签名校验失败' };

/**
 * WeCom's callback URL. GET answers the URL verification; POST verifies, decrypts, records the
 * event durably (group commit) and answers 200 with an empty body. Nothing slow happens before
 * the answer: processing starts once the row is committed. A database outage answers 503 so
 * WeCom retries.
 */
export function wecomCallbackRoutes(d: WecomCallbackDeps): Router {
  const r = new Router();

  r.get('/wecom/callback', (ctx) => {
    const q = ctx.query as Record<string, string | undefined>;
    if (!q.msg_signature || !q.timestamp || !q.nonce || !q.echostr) {
      d.metrics.callbacks.inc({ outcome: 'verify_rejected' });
      throw new AppError('CALLBACK.MISSING_PARAMS', '缺少回调校验参数', { status: 400 });
    }
    try {
      const echo = d.crypto.verifyUrl({ msg_signature: q.msg_signature, timestamp: q.timestamp, nonce: q.nonce, echostr: q.echostr });
      d.metrics.callbacks.inc({ outcome: 'verified' });
      ctx.type = 'text/plain';
      ctx.body = echo;
    } catch (e) {
      d.metrics.callbacks.inc({ outcome: 'verify_rejected' });
      if (e instanceof WecomCryptoError) {
        const status = e.failure === 'signature' || e.failure === 'receive_id' ? 401 : 400;
        throw new AppError(`CALLBACK.${e.failure.toUpperCase()}`, REJECT_MESSAGE[status], { status });
      }
      throw e;
    }
  });

  r.post('/wecom/callback', async (ctx) => {
    const receivedAt = d.clock.now();
    const body = await readText(ctx, d.bodyLimitBytes);
    let opened;
    try {
      opened = openCallback(d.crypto, ctx.query as Record<string, string>, body, receivedAt, d.maxSkewSec);
    } catch (e) {
      if (e instanceof CallbackRejected) {
        d.metrics.callbacks.inc({ outcome: `rejected_${e.status}` });
        throw new AppError(e.status === 401 ? 'CALLBACK.UNAUTHORIZED' : 'CALLBACK.MALFORMED', REJECT_MESSAGE[e.status], { status: e.status, details: { reason: e.reason } });
      }
      throw e;
    }
    try {
      const fields = opened.fields as Record<string, unknown>;
      await d.inbox.accept({ dedupeKey: opened.dedupeKey, kind: opened.kind, fields, receivedAt, needsWork: d.needsWork(fields) });
    } catch (e) {
      d.metrics.callbacks.inc({ outcome: 'store_failed' });
      d.log.error({ err: (e as Error).message, kind: opened.kind }, 'callback not recorded; answering 503 so WeCom retries');
      throw unavailable('CALLBACK.STORE_UNAVAILABLE', '服务暂时不可用，请稍后重试', e);
    }
    d.metrics.callbacks.inc({ outcome: 'accepted' });
    ctx.status = 200;
    ctx.body = '';
  });

  return r;
}
