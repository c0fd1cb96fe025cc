import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const MIN = 60_000;
// 2026-01-01 10:00 Asia/Shanghai: inside the sending window.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);

/**
 * A customer of rep001 added through a channel who also has a bot chat, whose order starts the
 * post-purchase journey; `bot` is the deployment's BOT_ENABLED.
 */
async function orderedWithBotChat(t: ExecutionContext, bot: boolean) {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock }, overrides: { bot: { enabled: bot } } });
  t.is(siyu.config.bot.enabled, bot);
  await siyu.journeys.service.ensureDefaults();
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台-1', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '小李' });
  await siyu.processor.drain();
  const customerId = (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!;
  await siyu.db('customer_identities').insert({ customer_id: customerId, kind: 'bot_contact', scope: siyu.config.bot.account, value: `wxid_${customerId}`, created_at: T0 });
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId, storeId: null, ref: `order:${customerId}`, at: T0 });
  clock.set(T0 + 10 * MIN);
  await siyu.journeys.engine.tick();
  const touch = await siyu.db('touches').where({ customer_id: customerId }).whereNotNull('journey_id').first();
  const outbox = Number((await siyu.db('outbox').where({ customer_id: customerId }).count({ n: '*' }).first())!.n);
  return { touch, outbox, massMessages: siyu.emulator!.massMessagesTo(scan.externalUserId) };
}

test(`${b} with no bot account (BOT_ENABLED=false) a touch starts at the WeCom mass message, even for a customer with a bot chat`, async (t) => {
  const r = await orderedWithBotChat(t, false);
  t.like(r.touch, { status: 'sent', channel: 'template' });
  t.is(r.massMessages.length, 1, 'one mass-message task through the owner rep');
  t.is(r.outbox, 0, 'nothing queued for a bot that does not run');
});

test(`${b} with a bot, the same customer is reached in the bot chat first`, async (t) => {
  const r = await orderedWithBotChat(t, true);
  t.like(r.touch, { status: 'sent', channel: 'bot' });
  t.is(r.massMessages.length, 0);
  t.is(r.outbox, 1);
});

test(`${b} with no bot account, asking a customer through the bot is refused with a reason and queues nothing`, async (t) => {
  const siyu = await startApp(t, { overrides: { bot: { enabled: false } } });
  const [customerId] = await siyu.db('customers').insert({ name: '小王', store_id: null, stage: 'new', created_at: T0, updated_at: T0 });
  await siyu.db('customer_identities').insert({ customer_id: customerId, kind: 'bot_contact', scope: siyu.config.bot.account, value: 'wxid_ask', created_at: T0 });
  const res = await admin(siyu).post(`/api/customers/${customerId}/ask`, { question: 'nps' });
  t.is(res.status, 409);
  t.is(res.json.error.code, 'BOT.DISABLED');
  t.regex(res.json.error.message, /机器人/);
  t.is(Number((await siyu.db('outbox').count({ n: '*' }).first())!.n), 0);
  t.is(Number((await siyu.db('conversations').count({ n: '*' }).first())!.n), 0);
});
