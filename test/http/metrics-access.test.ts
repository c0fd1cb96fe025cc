import { createServer } from 'node:net';
import test from 'ava';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const TOKEN = 'scrape-token-0123456789';

const scrape = async (url: string, token?: string) => {
  const res = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), auth: res.headers.get('www-authenticate') };
};

/** A port nothing listens on right now (the metrics port cannot be 0: 0 means off). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test(`${b} with METRICS_TOKEN set, /metrics answers 401 without the token or with another, 200 with it`, async (t) => {
  const siyu = await startApp(t, { overrides: { metricsToken: TOKEN } });
  const none = await scrape(`${siyu.url}/metrics`);
  t.is(none.status, 401);
  t.is(none.auth, 'Bearer realm="metrics"');
  t.notRegex(none.text, /siyu_/);
  t.is((await scrape(`${siyu.url}/metrics`, 'scrape-token-0123456780')).status, 401);
  t.is((await scrape(`${siyu.url}/metrics`, TOKEN.slice(0, -1))).status, 401, 'a prefix is not the token');
  const ok = await scrape(`${siyu.url}/metrics`, TOKEN);
  t.is(ok.status, 200);
  t.regex(ok.text, /^# HELP siyu_http_requests_total/m);
  t.is((await scrape(`${siyu.url}/healthz`)).status, 200, 'the load balancer still needs no token');
});

test(`${b} in production without a token or a metrics port, the public port does not serve /metrics`, async (t) => {
  const siyu = await startApp(t, { overrides: { env: 'production' } });
  const res = await scrape(`${siyu.url}/metrics`);
  t.is(res.status, 404);
  t.notRegex(res.text, /siyu_/);
  t.is(JSON.parse(res.text).error.code, 'METRICS.NOT_SERVED');
  // With a token it is served again, to whoever has it.
  const withToken = await startApp(t, { overrides: { env: 'production', metricsToken: TOKEN } });
  t.is((await scrape(`${withToken.url}/metrics`)).status, 401);
  t.is((await scrape(`${withToken.url}/metrics`, TOKEN)).status, 200);
});

test(`${b} with METRICS_PORT the http role serves /metrics on its own address only, token or not`, async (t) => {
  const port = await freePort();
  const siyu = await startApp(t, { overrides: { metricsPort: port, metricsHost: '127.0.0.1' } });
  t.is((await scrape(`${siyu.url}/metrics`)).status, 404, 'not on the public port');
  const own = await scrape(`http://127.0.0.1:${port}/metrics`);
  t.is(own.status, 200);
  t.regex(own.text, /^# HELP siyu_http_requests_total/m);

  const port2 = await freePort();
  const locked = await startApp(t, { overrides: { metricsPort: port2, metricsHost: '127.0.0.1', metricsToken: TOKEN } });
  t.is((await scrape(`${locked.url}/metrics`, TOKEN)).status, 404);
  t.is((await scrape(`http://127.0.0.1:${port2}/metrics`)).status, 401);
  t.is((await scrape(`http://127.0.0.1:${port2}/metrics`, TOKEN)).status, 200);
});

test('METRICS_TOKEN is refused when short or with spaces', (t) => {
  for (const bad of ['short', 'has a space in the token']) {
    const e = t.throws(() => loadConfig({ env: { NODE_ENV: 'test', METRICS_TOKEN: bad } }), { instanceOf: ConfigError }) as ConfigError;
    t.true(e.problems.some((p) => p.startsWith('metricsToken:')), e.problems.join('\n'));
  }
  t.is(loadConfig({ env: { NODE_ENV: 'test', METRICS_TOKEN: TOKEN } }).metricsToken, TOKEN);
});
