import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { isUnavailable } from '../../shared/unavailable.js';
import { errorBody, requestIdOf } from '../raw-response.js';
import { MISSING } from '../validation.js';

/**
 * The one error boundary, request id and request metrics, in a single middleware so the
 * callback hot path pays for one wrapper. AppErrors answer with their code and Chinese
 * message; anything else is a 500 whose body says nothing about internals.
 */
export function errorBoundary(deps: { log: Logger; metrics: Metrics }) {
  return async (ctx: Context, next: Next) => {
    const start = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.get('x-request-id'));
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } catch (err) {
      const e = toAppError(err);
      ctx.status = e.status;
      if (e.status === 503) ctx.set('Retry-After', '5');
      ctx.body = errorBody(e, requestId);
      if (e.status >= 500) deps.log.error({ requestId, code: e.code, err: err instanceof Error ? err.message : String(err), path: ctx.path }, 'request failed');
      else deps.log.info({ requestId, code: e.code, status: e.status, path: ctx.path }, 'request rejected');
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      deps.metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      deps.metrics.httpDuration.observe({ method: ctx.method, route }, seconds);
    }
  };
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) {
    const say = (i: (typeof err.issues)[number]) => {
      const field = i.path.join('.') || '请求体';
      return i.message === MISSING ? `缺少 ${field}` : `${field} ${i.message}`;
    };
    return new AppError('REQUEST.INVALID', '请求参数有误：' + err.issues.map(say).join('；'), {
      status: 400,
      details: err.issues.map((i) => ({ path: i.path.join('.'), message: say(i) })),
    });
  }
  const status = (err as { status?: number; expose?: boolean }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('REQUEST.INVALID', status === 413 ? '请求内容过大' : status === 415 ? '不支持的内容类型' : '请求格式有误', { status });
  }
  if (isUnavailable(err)) return new AppError('SERVICE.UNAVAILABLE', '服务繁忙，请稍后再试', { status: 503, transient: true, cause: err });
  return new AppError('INTERNAL', '服务暂时不可用，请稍后再试', { status: 500, cause: err });
}
