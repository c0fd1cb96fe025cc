import test from 'ava';
import type { ScanReport } from '../../src/sandbox/wecom/index.js';
import { adminCall, count, createJourney, pushOrder, startInstance, startWorld } from './support/child-app.js';
import { backendsOrSkip, pool, waitFor } from './support/suite.js';

const backends = backendsOrSkip();
const CUSTOMERS = Number(process.env.FAULTS_CUSTOMERS || 60);

if (backends) {
  test('two complete instances with their jobs on one database and Redis: no duplicate welcome, journey entry or touch', async (t) => {
    // Short leases and settle time: a touch left mid-flight by a slow tick (a loaded CI box) is
    // taken over and reconciled within the wait below instead of after the 5-minute defaults,
    // which exercises exactly the paths that must not send twice.
    const world = await startWorld(t, backends.redisUrl, { JOURNEY_LEASE_MS: '15000', JOURNEY_TEMPLATE_SETTLE_SECONDS: '10' });
    const [a, b] = await Promise.all([startInstance(t, world), startInstance(t, world)]);
    const instances = [a, b];
    world.balancer.setTargets(instances.map((i) => ({ host: '127.0.0.1', port: Number(new URL(i.url).port) })));

    const ch = await adminCall(world, a, 'POST', '/api/channels', { name: '双实例', kind: 'elevator', staffUserIds: ['rep001', 'rep002', 'rep003'], welcomeText: '您好{name}' });
    t.is(ch.status, 201, JSON.stringify(ch.json));
    const journeyId = await createJourney(world, b, '双实例购后', 'order_paid', [{ type: 'send', text: '谢谢{name}', marketing: false }]);
    const src = await adminCall(world, a, 'POST', '/api/order-sources', { key: 'two-pos', name: '双实例收银' });
    t.is(src.status, 201, JSON.stringify(src.json));
    const source = { key: 'two-pos', secret: src.json.secret as string };

    // Load: each customer scans (WeCom delivers twice at once, through the balancer), then the
    // mall pushes the customer's order to both instances at the same moment.
    const scans: ScanReport[] = [];
    const orderStatuses: number[] = [];
    const busy: string[] = [];
    await pool(
      Array.from({ length: CUSTOMERS }, (_, i) => i),
      8,
      async (i) => {
        const scan = await world.emulator.customerScans(ch.json.configId, { name: `双实例客户${i}` }, { duplicate: 1 });
        scans.push(scan);
        const order = { orderNo: `TWO-${i}`, amountFen: 1000 + i, paidAt: new Date().toISOString(), customer: { externalUserId: scan.externalUserId } };
        orderStatuses.push(...(await Promise.all(instances.map((inst) => pushOrder(inst, source, order, busy)))));
      },
    );
    t.true(scans.every((s) => s.delivered), 'every callback acknowledged');
    // A 503 (sent again by the POS, as README tells it to) is allowed; losing an order is not.
    if (busy.length) t.log(`503s answered and sent again: ${busy.length} (${[...new Set(busy)].join(', ')})`);
    t.true(orderStatuses.every((s) => s === 200 || s === 201), `order answers: ${[...new Set(orderStatuses)].join(',')}\n--- instance a:\n${a.tail()}\n--- instance b:\n${b.tail()}`);

    // The crons of both instances deliver the touches (the journey sends right away).
    await waitFor(
      'every touch of the journey sent',
      async () => (await count(world, `SELECT COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId} AND status = 'sent'`)) === CUSTOMERS,
      { timeoutMs: 120_000, everyMs: 500 },
    ).catch(async (e: Error) => {
      const touches = (await world.db.raw(`SELECT status, channel, skip_reason, last_error, attempts, template_attempt_at IS NOT NULL AS attempted, COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId} GROUP BY 1, 2, 3, 4, 5, 6`))[0];
      const runs = await count(world, `SELECT COUNT(*) AS n FROM journey_runs WHERE journey_id = ${journeyId}`);
      const jobs = (await world.db.raw('SELECT * FROM job_runs'))[0];
      const templates = world.emulator.callsTo('/cgi-bin/externalcontact/add_msg_template').length;
      throw new Error(`${e.message}\ntouches: ${JSON.stringify(touches)}; runs: ${runs}; add_msg_template calls: ${templates}\njob runs: ${JSON.stringify(jobs)}\n--- instance a:\n${a.tail()}\n--- instance b:\n${b.tail()}`);
    });

    const em = world.emulator;
    t.is(await count(world, 'SELECT COUNT(*) AS n FROM customers'), CUSTOMERS, 'one customer per person');
    t.is(await count(world, 'SELECT COUNT(*) AS n FROM orders'), CUSTOMERS, 'one order per order number');
    for (const s of scans) t.is(em.welcomes.filter((w) => w.externalUserId === s.externalUserId).length, 1, `one welcome for ${s.externalUserId}`);
    t.is(em.callsTo('/cgi-bin/externalcontact/send_welcome_msg').length, CUSTOMERS, 'welcome API called once per customer');
    // Journey entries: ours and the default post-purchase journey, one each per order.
    t.is(await count(world, `SELECT COUNT(*) AS n FROM journey_runs WHERE journey_id = ${journeyId}`), CUSTOMERS);
    t.is(await count(world, 'SELECT COUNT(*) AS n FROM (SELECT journey_id, customer_id, COUNT(*) AS c FROM journey_runs GROUP BY journey_id, customer_id HAVING c > 1) x'), 0, 'nobody entered a journey twice');
    t.is(await count(world, `SELECT COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId}`), CUSTOMERS, 'one touch per entry');
    // Each touch reached WeCom once: one message task per customer, from the owner rep.
    const sends = em.callsTo('/cgi-bin/externalcontact/add_msg_template').filter((c) => c.errcode === 0);
    const perCustomer = new Map<string, number>();
    for (const c of sends) for (const id of (c.body as { external_userid?: string[] }).external_userid ?? []) perCustomer.set(id, (perCustomer.get(id) ?? 0) + 1);
    t.deepEqual([...perCustomer.values()].filter((n) => n !== 1), [], 'no customer got the message twice');
    t.is(perCustomer.size, CUSTOMERS);
    t.is(await count(world, "SELECT COUNT(*) AS n FROM callback_events WHERE status <> 'done'"), 0);
    for (const inst of instances) t.is(inst.proc.exitCode, null, 'both instances still running');
  });
}
