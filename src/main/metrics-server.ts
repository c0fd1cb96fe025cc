import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsAccess, type MetricsAccess } from '../http/metrics-access.js';
import { RESPONSE_HEADERS } from '../http/security-headers.js';
import type { Metrics } from '../shared/metrics.js';

/**
 * GET /metrics on a port of its own: for the roles without the HTTP app (bot, jobs), whose
 * counters could not be scraped otherwise, and for the http role when the operator keeps metrics
 * off the public port. Port 0 in config = off. Open unless METRICS_TOKEN is set (`access`).
 */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
  access: MetricsAccess = metricsAccess({ token: undefined, open: true }),
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    for (const [k, v] of Object.entries(RESPONSE_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (access(req.headers.authorization) !== 'ok') {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="metrics"', 'Content-Type': 'text/plain; charset=utf-8' }).end('需要监控指标令牌');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${e.message}`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
