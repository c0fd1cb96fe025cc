import test, { type ExecutionContext } from 'ava';
import type { DeliveryReport, ScanReport } from '../../src/sandbox/wecom/index.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendsOrSkip, pool, waitFor } from './support/suite.js';
import { TcpProxy, targetOf, type ProxyMode } from './support/tcp-proxy.js';

/**
 * MariaDB or Redis goes away while WeCom callbacks keep coming, then comes back.
 *
 * The servers on the test machine are shared with other test runs, so "away" is a TCP proxy of
 * this test's own between the app and the server (support/tcp-proxy.ts): it cuts every open
 * connection and refuses (MariaDB) or silently swallows (Redis) new ones. That exercises the
 * app's side of an outage — dead pooled connections, failed connects, command timeouts — and
 * its recovery; it does not exercise the server's own crash semantics (see the proxy's doc).
 *
 * WeCom gives up on a delivery after three quick retries; its later retries are played here
 * by re-delivering every callback that never got a 200 once the backend is back.
 */

const backends = backendsOrSkip();

async function health(siyu: Siyu) {
  const res = await fetch(`${siyu.url}/healthz`);
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** Every distinct delivery a scan made (the half-add with the welcome code, then the add). */
const deliveriesOf = (s: ScanReport): DeliveryReport[] => (s.half ? [s.half, s] : [s]);

async function outageScenario(t: ExecutionContext, which: 'db' | 'cache', mode: ProxyMode) {
  const proxy = await TcpProxy.start(which === 'db' ? targetOf(backends!.mysqlUrl, 3306) : targetOf(backends!.redisUrl, 6379));
  // Registered first, so it closes after the app (ava runs teardowns last-in first-out).
  t.teardown(() => proxy.close());
  const siyu = await startApp(t, { via: which === 'db' ? { mysql: (u) => proxy.rewrite(u) } : { redis: (u) => proxy.rewrite(u) } });
  t.true(proxy.accepted > 0, 'the app talks to the backend through the proxy');
  const em = siyu.emulator!;
  const ch = await admin(siyu).post('/api/channels', { name: `故障-${which}`, kind: 'elevator', staffUserIds: ['rep001', 'rep002'], welcomeText: '您好{name}' });
  t.is(ch.status, 201, ch.text);
  t.is((await health(siyu)).status, 200);

  // A steady stream of scans; the backend goes away after the first third and comes back
  // after the second, while deliveries are in flight.
  const names = Array.from({ length: 30 }, (_, i) => `${which}客户${i}`);
  const scans: ScanReport[] = [];
  let down = false;
  let downAt = 0;
  let healthWhileDown: Awaited<ReturnType<typeof health>> | undefined;
  let sweeps = 0;
  await pool(names, 3, async (name, i) => {
    if (i === 10) {
      proxy.setMode(mode);
      down = true;
      downAt = Date.now();
      healthWhileDown = await health(siyu);
    }
    if (i === 20) {
      // Long enough for client timeouts (Redis commands: 2 s) to play their part.
      await waitFor('the outage to last 4 s', async () => Date.now() - downAt >= 4000, { everyMs: 100 });
      proxy.setMode('up');
      down = false;
    }
    scans.push(await em.customerScans(ch.json.configId, { name }));
    // What the jobs role does every few seconds, outage or not.
    if (down) void siyu.processor.sweep().then(() => sweeps++, () => sweeps++);
  });

  t.is(healthWhileDown?.status, 503, '/healthz reports the outage');
  t.is(healthWhileDown?.json[which], 'down');
  const refused = scans.flatMap(deliveriesOf).filter((d) => !d.delivered);
  const statuses = new Set(scans.flatMap(deliveriesOf).flatMap((d) => d.attempts.map((a) => a.status)));
  t.false(statuses.has(500), 'an outage is never a 500');
  t.log(`${which} outage (${mode}): ${refused.length} deliveries refused; attempt statuses ${[...statuses].join(',')}; ${sweeps} sweeps during it`);
  if (which === 'db') t.true(refused.length > 0, 'callbacks are refused while the database is away, so WeCom retries');
  for (const d of refused) t.true(d.attempts.every((a) => a.status !== 200));

  await waitFor('/healthz to recover', async () => (await health(siyu)).status === 200, { timeoutMs: 30_000 });
  // WeCom's later retries of what it never got a 200 for.
  for (const d of refused) t.true((await em.redeliver(d.plaintext)).delivered, 'accepted once the backend is back');

  // Nothing is lost: every scan's events end up done (events caught mid-processing by the cut
  // wait for their lease; the sweep takes them over), one customer per scan.
  const expected = scans.flatMap(deliveriesOf).length;
  await waitFor(
    'every event processed',
    async () => {
      await siyu.processor.sweep();
      await siyu.processor.drain();
      const rows = await siyu.db('callback_events').select('status');
      return rows.length === expected && rows.every((r) => r.status === 'done');
    },
    { timeoutMs: 150_000, everyMs: 1000 },
  );
  t.is(Number((await siyu.db('customers').count({ n: '*' }))[0]!.n), names.length, 'one customer per scan');
  t.is(Number((await siyu.db('customer_events').where({ kind: 'contact_added' }).count({ n: '*' }))[0]!.n), names.length);
  for (const s of scans) {
    t.truthy(await siyu.customers.findIdByExternalUserId(s.externalUserId), `customer of ${s.externalUserId}`);
    // A welcome code is valid for 20 s, so an add processed late may go without; never twice.
    t.true(em.welcomes.filter((w) => w.externalUserId === s.externalUserId).length <= 1);
  }
  const retried = await siyu.db('callback_events').where('attempts', '>', 1).count({ n: '*' });
  t.log(`${which} outage: ${Number(retried[0]!.n)} events needed more than one processing attempt`);
  t.is((await health(siyu)).status, 200);
}

if (backends) {
  test('MariaDB away during callbacks: non-200 so WeCom retries, /healthz 503, nothing lost once it is back', (t) => outageScenario(t, 'db', 'refuse'));
  test('Redis away (connections swallowed) during callbacks: /healthz 503, no 500, nothing lost once it is back', (t) => outageScenario(t, 'cache', 'blackhole'));
}
