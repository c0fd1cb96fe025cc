import Router from '@koa/router';
import { AppError } from '../../shared/errors.js';
import type { Metrics } from '../../shared/metrics.js';
import type { MetricsAccess } from '../metrics-access.js';

export interface HealthDeps {
  checks: Record<string, () => Promise<void>>;
  metrics: Metrics;
  info: Record<string, unknown>;
  /** Who may read /metrics here (metrics-access.ts). */
  metricsAccess: MetricsAccess;
  timeoutMs?: number;
}

/** /healthz: each dependency is pinged with a timeout; any one down answers 503. /metrics: Prometheus text. */
export function healthRoutes(d: HealthDeps): Router {
  const r = new Router();
  const timeout = d.timeoutMs ?? 1500;

  r.get('/healthz', async (ctx) => {
    const results: Record<string, 'up' | 'down'> = {};
    await Promise.all(
      Object.entries(d.checks).map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([check(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), timeout)))]);
          results[name] = 'up';
        } catch {
          results[name] = 'down';
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const ok = Object.values(results).every((v) => v === 'up');
    ctx.status = ok ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ok ? 'ok' : 'degraded', ...results, ...d.info };
  });

  r.get('/metrics', async (ctx) => {
    const access = d.metricsAccess(ctx.get('authorization') || undefined);
    if (access === 'not-served') throw new AppError('METRICS.NOT_SERVED', '此端口不提供监控指标', { status: 404 });
    if (access === 'unauthorized') {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('METRICS.UNAUTHORIZED', '需要监控指标令牌', { status: 401 });
    }
    ctx.type = d.metrics.registry.contentType;
    ctx.body = await d.metrics.registry.metrics();
  });

  return r;
}
