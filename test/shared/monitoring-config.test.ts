import { readFileSync } from 'node:fs';
import test from 'ava';
import { createMetrics } from '../../src/shared/metrics.js';

const dir = new URL('../../config/monitoring/', import.meta.url);
const read = (f: string) => readFileSync(new URL(f, dir), 'utf8');

/** Every siyu_* series the shipped Prometheus rules and Grafana dashboard query, with histogram suffixes folded. */
function namesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\bsiyu_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
}

test('the Prometheus rules and the Grafana dashboard use only metric names Siyu exports', async (t) => {
  const exported = new Set((await createMetrics({ defaults: true }).registry.getMetricsAsJSON()).map((m) => m.name));
  const files = ['siyu-alerts.rules.yml', 'grafana-dashboard.json', 'README.md'];
  const used = new Set(files.flatMap((f) => [...namesIn(read(f))]));
  t.true(used.size > 15);
  t.deepEqual([...used].filter((n) => !exported.has(n)), []);
});

test('the dashboard parses, and every in-process rule has a Prometheus twin', (t) => {
  const alerts = [...read('siyu-alerts.rules.yml').matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);
  for (const a of ['SiyuCallbackFailures', 'SiyuWecomIpBlocked', 'SiyuWecomTokenInvalid', 'SiyuSendFailures', 'SiyuJobStale', 'SiyuBotLoggedOut', 'SiyuOutboxBacklog', 'SiyuScanDrop']) t.true(alerts.includes(a), a);
  const dash = JSON.parse(read('grafana-dashboard.json')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
  t.true(dash.panels.flatMap((p) => p.targets ?? []).every((x) => x.expr.length > 0));
  t.regex(read('prometheus.yml'), /^scrape_configs:$/m);
});
