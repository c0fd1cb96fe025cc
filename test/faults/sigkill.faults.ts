import test from 'ava';
import { adminCall, count, createJourney, pushOrder, startInstance, startWorld } from './support/child-app.js';
import { backendsOrSkip, pool, waitFor } from './support/suite.js';
import { TcpProxy, targetOf } from './support/tcp-proxy.js';

/**
 * A process is SIGKILLed while its journey engine is delivering a batch of due touches, and a
 * new one takes over. The touches are follow-up tasks for the rep: their effect lives in the
 * database, keyed by the touch, so "exactly once" can be checked end to end.
 *
 * Not covered here: a touch sent as a WeCom message task (add_msg_template) whose call is in
 * flight when the process dies. WeCom has no idempotency key for that call; the engine records
 * the attempt first and, after a restart, looks for the task in WeCom before sending again
 * (test/domain/template-recovery.test.ts crashes an engine on either side of the call). That
 * match is by sender, recipient, text and time, so it is not the exactly-once shown here.
 *
 * The dying process reaches MariaDB through a proxy that delays every packet, so the batch
 * takes seconds and the kill lands in the middle of it; the journey lease is 2 s
 * (JOURNEY_LEASE_MS) and the journeys-tick job lock expires within JOB_LOCK_MS (15 s).
 */

const backends = backendsOrSkip();
const TOUCHES = 300;

if (backends) {
  test('a process killed mid-dispatch and replaced: every due touch delivered exactly once', async (t) => {
    const world = await startWorld(t, backends.redisUrl, { JOURNEY_LEASE_MS: '2000', BOT_DEFAULT_REP: 'rep001' });
    const slow = await TcpProxy.start(targetOf(world.env.MYSQL_URL!, 3306));
    t.teardown(() => slow.close());
    const first = await startInstance(t, world, { MYSQL_URL: slow.rewrite(world.env.MYSQL_URL!) });

    // Customers arrive through orders; the journey is one task step and never triggers by
    // itself (contact_added does not happen here): its touches are seeded below, all due now.
    const src = await adminCall(world, first, 'POST', '/api/order-sources', { key: 'kill-pos', name: '收银' });
    t.is(src.status, 201, JSON.stringify(src.json));
    await pool(
      Array.from({ length: TOUCHES }, (_, i) => i),
      16,
      async (i) => {
        const status = await pushOrder(first, { key: 'kill-pos', secret: src.json.secret }, { orderNo: `K-${i}`, amountFen: 100, paidAt: new Date().toISOString(), customer: { phone: `139${String(10_000_000 + i).slice(-8)}` } });
        t.is(status, 201);
      },
    );
    const journeyId = await createJourney(world, first, '回访', 'contact_added', [{ type: 'task', title: '回访{name}' }]);
    const customers = (await world.db('customers').select('id')).map((r: { id: number }) => Number(r.id));
    t.is(customers.length, TOUCHES);

    slow.setDelay(40);
    const now = Date.now();
    await world.db('touches').insert(
      customers.map((id) => ({ idem_key: `${journeyId}:${id}:kill:0`, run_id: null, journey_id: journeyId, customer_id: id, store_id: null, step_index: 0, kind: 'task', payload: JSON.stringify({ title: '回访{name}' }), marketing: false, status: 'pending', due_at: now, created_at: now })),
    );
    const ours = `SELECT COUNT(*) AS n FROM touches WHERE journey_id = ${journeyId}`;
    // Kill once part of the work is done and part is still leased to the process.
    await waitFor('the first process to be midway through the touches', async () => {
      const sent = await count(world, `${ours} AND status = 'sent'`);
      return sent >= TOUCHES / 10 && sent <= TOUCHES / 2;
    }, { everyMs: 20, timeoutMs: 90_000 });
    await first.kill();
    const sentAtKill = await count(world, `${ours} AND status = 'sent'`);
    const leasedAtKill = await count(world, `${ours} AND status <> 'sent' AND lease_owner IS NOT NULL`);
    t.log(`killed with ${sentAtKill} of ${TOUCHES} touches sent and ${leasedAtKill} leased to the dead process`);
    t.true(sentAtKill < TOUCHES && leasedAtKill > 0, 'the kill landed mid-dispatch');

    const startedAgain = Date.now();
    const second = await startInstance(t, world);
    await waitFor('every touch sent by the new process', async () => (await count(world, `${ours} AND status = 'sent'`)) === TOUCHES, { timeoutMs: 90_000, everyMs: 250 }).catch((e: Error) => {
      throw new Error(`${e.message}\n--- new process:\n${second.tail()}`);
    });
    t.log(`the new process finished the work ${Math.round((Date.now() - startedAgain) / 1000)} s after it was started`);

    t.is(await count(world, `${ours} AND status <> 'sent'`), 0, 'none skipped or failed');
    t.is(await count(world, "SELECT COUNT(*) AS n FROM tasks WHERE source_key LIKE 'touch:%'"), TOUCHES, 'one task per touch');
    t.is(await count(world, "SELECT COUNT(*) AS n FROM (SELECT customer_id, COUNT(*) AS c FROM tasks WHERE source_key LIKE 'touch:%' GROUP BY customer_id HAVING c <> 1) x"), 0, 'every customer has exactly one');
    // Each touch's ref names the task that delivered it.
    const refs = await world.db('touches').where({ journey_id: journeyId }).select('ref', 'customer_id');
    const tasks = new Map((await world.db('tasks').where('source_key', 'like', 'touch:%').select('id', 'customer_id')).map((r: { id: number; customer_id: number }) => [Number(r.customer_id), `task:${r.id}`]));
    t.deepEqual(refs.filter((r: { ref: string; customer_id: number }) => tasks.get(Number(r.customer_id)) !== r.ref), []);
  });
}
