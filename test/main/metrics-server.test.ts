import test from 'ava';
import { startMetricsServer } from '../../src/main/metrics-server.js';
import { backendName } from '../support/backends.js';
import { startBotWorld } from '../support/bot.js';

test(`[${backendName}] the bot role's own /metrics port shows its login state; other paths are 404`, async (t) => {
  const w = await startBotWorld(t);
  const scrape = await startMetricsServer(w.siyu.metrics, '127.0.0.1', 0);
  t.teardown(() => scrape.close());
  const res = await fetch(`http://127.0.0.1:${scrape.port}/metrics`);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /text\/plain/);
  t.regex(await res.text(), /^siyu_bot_logged_in\{account="default"\} 1$/m);
  t.is((await fetch(`http://127.0.0.1:${scrape.port}/healthz`)).status, 404);
});
