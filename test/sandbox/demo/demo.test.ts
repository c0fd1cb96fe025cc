import test, { type ExecutionContext } from 'ava';
import { loadConfig, type Config } from '../../../src/config/config.js';
import { adminApi, miniProgramApi } from '../../../src/sandbox/demo/http-clients.js';
import { DEMO_BATCH_KEY, DEMO_DAYS, DEMO_STORE_CODE, DemoAlreadyRan, runDemo, type DemoResult } from '../../../src/sandbox/demo/scenario.js';
import { npsOf } from '../../../src/domain/report/nps.js';
import { reportFromApis } from '../../../src/sandbox/demo/summary.js';
import { createSiyu } from '../../../src/main/compose.js';
import { createLogger } from '../../../src/shared/logger.js';
import { DAY_MS } from '../../../src/shared/shanghai-time.js';
import { backendName, freshDatabase, freshPrefix, REDIS_URL } from '../../support/backends.js';

const b = `[${backendName}]`;
const SCALE = 0.15;
const silent = createLogger({ level: 'silent' });

/** A config like the demo entry's, on this test's own database (a SQLite file, or MariaDB) and cache prefix. */
async function demoConfig(t: ExecutionContext): Promise<Config> {
  const db = await freshDatabase(t);
  return loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: {
      db: { sqliteFile: db.sqliteFile, ...(db.mysqlUrl ? { mysqlUrl: db.mysqlUrl } : {}) },
      cache: { prefix: freshPrefix(), ...(REDIS_URL ? { redisUrl: REDIS_URL } : {}) },
      bot: { ratePerMinute: 600, jitterMs: 0 },
    },
  });
}

test(`${b} the demo's summary matches what it drove, and a later app reads the same month from the admin and mini-program APIs`, async (t) => {
  t.timeout(240_000);
  const config = await demoConfig(t);
  const r: DemoResult = await runDemo(config, { scale: SCALE, seed: 11, log: silent });
  const { summary: s, driven: d } = r;

  // The funnel per channel is exactly the traffic the demo sent.
  t.is(s.funnel.byChannel.length, 6);
  for (const row of s.funnel.byChannel) {
    const mine = d.channels[row.key]!;
    t.like(row, { scans: mine.scans, visitors: mine.visitors, leads: mine.leads, adds: mine.adds, firstOrders: mine.firstOrders }, row.key);
  }
  const total = (k: 'scans' | 'leads' | 'adds' | 'firstOrders') => s.funnel.byBuilding.reduce((n, x) => n + x[k], 0);
  t.is(total('scans'), Object.values(d.channels).reduce((n, x) => n + x.scans, 0));
  t.true(total('leads') > 0 && total('adds') > 0 && total('firstOrders') > 0);
  t.true(s.funnel.byChannel.some((x) => x.visitors < x.scans), 'someone opened a page twice: scans and visitors differ');

  // Every add through WeCom got its welcome; every order of the month is reported.
  t.is(s.welcomesSent, d.adds);
  t.is(s.orders, d.orders);
  t.is(s.handoffsWaiting, d.handoffs.size);
  t.true(d.handoffs.size > 0);

  // Journey messages and questions the phones received are the deliveries the journey stats report.
  const journey = (key: string) => s.journeys.find((j) => j.key === key)!.stats;
  t.is(journey('post_purchase').delivered, d.journeyHeard.post_purchase);
  t.is(journey('reactivation').delivered, d.journeyHeard.reactivation);
  t.true(d.journeyHeard.post_purchase > 0 && d.journeyHeard.reactivation > 0 && d.npsAsked > 0);
  t.true(d.journeyHeard.post_purchase > d.npsAsked, 'the NPS questions heard are among the deliveries');
  t.true((journey('post_purchase').touches_sent ?? 0) >= (journey('post_purchase').delivered ?? 0));

  // The whole cohort was split into treated and holdout; NPS is what the customers answered.
  t.is(s.reactivation.treated + s.reactivation.holdout, d.cohort);
  t.true(s.reactivation.holdout > 0 && s.reactivation.treated > s.reactivation.holdout);
  t.deepEqual(s.nps, npsOf(d.nps));
  t.true(s.nps.responses > 0);

  // Every step left its rows.
  const siyu = await createSiyu(config, { log: silent });
  t.teardown(() => siyu.close());
  const n = async (table: string, where: Record<string, unknown> = {}) => Number((await siyu.db(table).where(where).count({ n: '*' }))[0]!.n);
  t.is(await n('rfm_runs'), DEMO_DAYS);
  t.true((await n('reactivation_entries', { arm: 'holdout' })) > 0);
  t.true((await n('touches', { status: 'sent', channel: 'bot' })) > 0);
  t.true((await n('touches', { channel: 'task' })) > 0);
  t.true((await n('outbox', { status: 'sent' })) > 0);
  t.is(await n('outbox', { status: 'failed' }), 0);
  t.is(await n('tasks', { status: 'done' }), d.tasksDone);
  t.true(d.tasksDone > 0);
  for (const source of ['csv', 'pos:demo-pos', 'admin']) t.true((await n('orders', { source })) > 0, source);
  for (const kind of ['welcome_sent', 'message_in', 'message_out', 'handoff', 'survey_answered', 'order_paid']) t.true((await n('customer_events', { kind })) > 0, kind);
  t.is(await n('customer_events', { kind: 'message_in' }), d.inbound);

  // Another app on the same database (npm start after the demo) reports the same month, and
  // the printed invite logs the HQ admin in to the mini-program.
  const later = await createSiyu(config, { log: silent });
  t.teardown(() => later.close());
  const mp = miniProgramApi(later.url!);
  const token = await mp.login(later.wechatEmulator!.issueCode('o-someone-at-hq'), async () => r.inviteCode);
  const me = await mp.req('GET', '/me', { token });
  t.like(me, { wecomUserId: r.hqUserId, role: 'hq_admin' });
  const store = await later.db('stores').where({ code: DEMO_STORE_CODE }).first('id');
  const from = Date.parse(`${s.period.from}T00:00:00+08:00`);
  const again = await reportFromApis(later.url!, adminApi(later.url!, config.adminApiKey), { from, to: from + (DEMO_DAYS - 1) * DAY_MS, storeId: Number(store.id), batchKey: DEMO_BATCH_KEY, hq: token });
  const { welcomesSent: _w, ...reported } = s;
  t.deepEqual(again, reported);
  t.is(again.mp.customers, await n('customers', { merged_into: null }));
});

test(`${b} the same seed gives the same month, and a database that already holds a demo is refused untouched`, async (t) => {
  t.timeout(240_000);
  const [c1, c2] = [await demoConfig(t), await demoConfig(t)];
  // Side by side: half the wall time of one after the other (a demo mostly waits on its hours
  // to settle), and the two runs interleave differently, which is what must not matter.
  const [one, two] = await Promise.all([runDemo(c1, { scale: SCALE, seed: 5, log: silent }), runDemo(c2, { scale: SCALE, seed: 5, log: silent })]);
  t.deepEqual(two.summary, one.summary);
  t.deepEqual(two.driven, one.driven);

  const siyu = await createSiyu(c1, { log: silent, http: false });
  t.teardown(() => siyu.close());
  const before = Number((await siyu.db('customer_events').count({ n: '*' }))[0]!.n);
  await t.throwsAsync(runDemo(c1, { scale: SCALE, seed: 5, log: silent }), { instanceOf: DemoAlreadyRan });
  t.is(Number((await siyu.db('customer_events').count({ n: '*' }))[0]!.n), before);
});
