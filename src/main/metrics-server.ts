import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RESPONSE_HEADERS } from '../http/security-headers.js';
import type { Metrics } from '../shared/metrics.js';

/**
 * GET /metrics on a port of its own, for the roles without the HTTP app (bot, jobs): without
 * it their counters and the bot's login gauge could not be scraped. Port 0 in config = off.
 */
export async function startMetricsServer(metrics: Metrics, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    for (const [k, v] of Object.entries(RESPONSE_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
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
