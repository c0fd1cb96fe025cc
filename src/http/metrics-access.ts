import { createHash, timingSafeEqual } from 'node:crypto';

/** Whether a scrape of /metrics is answered: served, refused for want of the token, or not served here. */
export type MetricsAccess = (authorization: string | undefined) => 'ok' | 'unauthorized' | 'not-served';

/**
 * The one rule for who may read /metrics (the public port's Koa route and the metrics port
 * alike). With METRICS_TOKEN set, only `Authorization: Bearer <token>`. Without it, `open` says
 * whether the address is one only operators reach: the metrics port is (the operator chose it);
 * the public port is outside production only. The numbers are not personal, but they are a
 * store's business (scans, leads, sends) and a map of the deployment.
 */
export function metricsAccess(o: { token: string | undefined; open: boolean }): MetricsAccess {
  if (o.token === undefined) return o.open ? () => 'ok' : () => 'not-served';
  const want = digest(o.token);
  return (authorization) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    // Compared as digests: equal length, constant time, whatever the caller sent.
    return m && timingSafeEqual(digest(m[1]!), want) ? 'ok' : 'unauthorized';
  };
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
