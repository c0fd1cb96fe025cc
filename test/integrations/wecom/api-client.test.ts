import test from 'ava';
import { WecomClient, WecomApiError } from '../../../src/integrations/wecom/api-client.js';
import { WecomEmulator } from '../../../src/sandbox/wecom/index.js';
import { ManualClock, systemClock, type Clock } from '../../../src/shared/clock.js';
import { AppError } from '../../../src/shared/errors.js';
import { createLogger } from '../../../src/shared/logger.js';
import { createMetrics } from '../../../src/shared/metrics.js';
import { cacheKeys } from '../../../src/shared/cache-keys.js';
import { backendName, freshCache } from '../../support/backends.js';
import type { ExecutionContext } from 'ava';
import type { Cache } from '../../../src/shared/cache.js';

const CORP = 'wwCLIENTTEST000001';
const SECRET = 'contact-secret';
const b = `[${backendName}]`;

async function setup(t: ExecutionContext, o: { clock?: Clock; ratePerMinute?: number; maxRetries?: number; cache?: { cache: Cache; prefix: string } } = {}) {
  const clock = o.clock ?? systemClock;
  const em = new WecomEmulator({ corpId: CORP, secrets: [SECRET, 'agent-secret'], agentIds: [1000002], clock });
  const base = await em.listen(0);
  t.teardown(() => em.close());
  const { cache, prefix } = o.cache ?? (await freshCache(t, clock));
  const metrics = createMetrics();
  const make = () =>
    new WecomClient({
      apiBase: base,
      corpId: CORP,
      secrets: { contact: SECRET, agent: 'agent-secret' },
      timeoutMs: 500,
      maxRetries: o.maxRetries ?? 3,
      ratePerMinute: o.ratePerMinute ?? 10_000,
      cache,
      keys: cacheKeys(prefix),
      metrics,
      log: createLogger({ level: 'silent' }),
      clock,
      backoffMs: 2,
    });
  em.addEmployee('rep001');
  return { em, client: make(), make, metrics, cache, prefix };
}

const listTags = (c: WecomClient) => c.call('/cgi-bin/externalcontact/get_corp_tag_list', { body: {} });

test(`${b} the access token is fetched once and shared by every client on the cache`, async (t) => {
  const { em, client, make } = await setup(t);
  const other = make();
  await Promise.all([listTags(client), listTags(client), listTags(other), listTags(other)]);
  await listTags(client);
  t.is(em.callsTo('/cgi-bin/gettoken').length, 1);
});

test(`${b} an expired token (42001) is refreshed once and the call retried`, async (t) => {
  const clock = new ManualClock(Date.now());
  const { em, client } = await setup(t, { clock });
  await listTags(client);
  em.expireAll();
  const r = await listTags(client);
  t.is(r.errcode, 0);
  t.is(em.callsTo('/cgi-bin/gettoken').length, 2);
  const codes = em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').map((c) => c.errcode);
  t.deepEqual(codes, [0, 42001, 0]);
});

test(`${b} an invalidated token (40014) is refreshed; a second stale answer is surfaced`, async (t) => {
  const { em, client } = await setup(t);
  await listTags(client);
  em.invalidate(em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list')[0]!.query.access_token!);
  t.is((await listTags(client)).errcode, 0);
  em.injectFault('/cgi-bin/externalcontact/get_corp_tag_list', { errcode: 40014, times: 2 });
  const err = await t.throwsAsync(listTags(client), { instanceOf: WecomApiError });
  t.is(err!.errcode, 40014);
});

test(`${b} system busy (-1) is retried with backoff up to maxRetries, then surfaced as transient`, async (t) => {
  const { em, client, metrics } = await setup(t, { maxRetries: 3 });
  em.injectFault('/cgi-bin/externalcontact/get_corp_tag_list', { errcode: -1, times: 3 });
  t.is((await listTags(client)).errcode, 0);
  t.is(em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').length, 4);
  em.injectFault('/cgi-bin/externalcontact/get_corp_tag_list', { errcode: 45009, times: 10 });
  const err = await t.throwsAsync(listTags(client), { instanceOf: WecomApiError });
  t.true(err!.transient);
  t.is(em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').length, 4 + 4);
  const text = await metrics.registry.metrics();
  t.regex(text, /siyu_wecom_api_calls_total\{path="\/cgi-bin\/externalcontact\/get_corp_tag_list",errcode="45009"\} 4/);
});

test(`${b} a permanent errcode is not retried`, async (t) => {
  const { em, client } = await setup(t);
  const err = await t.throwsAsync(client.call('/cgi-bin/externalcontact/mark_tag', { body: { userid: 'rep001', external_userid: 'wmNOPE', add_tag: ['etX'] } }), {
    instanceOf: WecomApiError,
  });
  t.false(err!.transient);
  t.is(em.callsTo('/cgi-bin/externalcontact/mark_tag').length, 1);
});

test(`${b} a dropped connection is retried; a deadline stops retries`, async (t) => {
  const { em, client } = await setup(t);
  em.injectFault('/cgi-bin/externalcontact/get_corp_tag_list', { drop: true, times: 1 });
  t.is((await listTags(client)).errcode, 0);
  em.injectFault('/cgi-bin/externalcontact/get_corp_tag_list', { latencyMs: 400, times: 10 });
  const before = em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').length;
  await t.throwsAsync(client.call('/cgi-bin/externalcontact/get_corp_tag_list', { body: {}, deadline: Date.now() + 150 }), { instanceOf: AppError });
  // One attempt, cut at the deadline; no retries were started past it.
  t.is(em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').length - before, 1);
});

test(`${b} a wrong secret fails loudly with WeCom's errcode`, async (t) => {
  const { make } = await setup(t);
  const c = make();
  (c as unknown as { o: { secrets: Record<string, string> } }).o.secrets.contact = 'wrong';
  const err = await t.throwsAsync(listTags(c), { instanceOf: WecomApiError });
  t.is(err!.errcode, 40001);
});

test(`${b} the per-corp rate window holds calls past the limit until the next minute`, async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 10));
  const { em, client } = await setup(t, { clock, ratePerMinute: 2 });
  await listTags(client);
  await listTags(client);
  // A third call in the same minute with a deadline inside the minute is refused, not sent.
  const err = await t.throwsAsync(client.call('/cgi-bin/externalcontact/get_corp_tag_list', { body: {}, deadline: clock.now() + 1000 }), { instanceOf: AppError });
  t.is(err!.code, 'WECOM.RATE_LIMITED');
  t.is(em.callsTo('/cgi-bin/externalcontact/get_corp_tag_list').length, 2);
  clock.advance(60_000);
  t.is((await listTags(client)).errcode, 0);
});
