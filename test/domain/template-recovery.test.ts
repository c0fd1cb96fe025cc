import test, { type ExecutionContext } from 'ava';
import { ManualClock } from '../../src/shared/clock.js';
import type { Siyu } from '../../src/main/compose.js';
import type { JourneyActions } from '../../src/domain/journey/journey.ports.js';
import { WecomContactApi } from '../../src/integrations/wecom/contact-api.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const MIN = 60_000;
// 2026-01-01 10:00 Asia/Shanghai: inside the sending window.
const T0 = Date.UTC(2026, 0, 1, 2, 0, 0);
/** The post-purchase journey's first message is due 10 minutes after the order. */
const DUE = T0 + 10 * MIN;
const ADD = '/cgi-bin/externalcontact/add_msg_template';

/**
 * A customer of rep001 with no bot chat, whose order starts the post-purchase journey: its
 * first message (with a coupon) goes out as a WeCom template through rep001.
 */
async function setup(t: ExecutionContext) {
  const clock = new ManualClock(T0);
  const siyu = await startApp(t, { options: { clock } });
  await siyu.journeys.service.ensureDefaults();
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台-1', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] })).json;
  const customer = async (name: string) => {
    const scan = await siyu.emulator!.customerScans(ch.configId, { name });
    await siyu.processor.drain();
    return { customerId: (await siyu.customers.findIdByExternalUserId(scan.externalUserId))!, externalUserId: scan.externalUserId };
  };
  const c = await customer('小李');
  await siyu.journeys.service.trigger({ trigger: 'order_paid', customerId: c.customerId, storeId: null, ref: `order:${c.customerId}`, at: T0 });
  clock.set(DUE);
  const settleMs = siyu.config.journeys.templateSettleSec * 1000;
  t.true(settleMs > siyu.config.journeys.leaseMs, 'the settle window outlasts the lease, so a takeover comes before it ends');
  return {
    siyu,
    clock,
    c,
    customer,
    settleMs,
    touch: () => siyu.db('touches').where({ customer_id: c.customerId }).whereNotNull('journey_id').first(),
    adds: () => siyu.emulator!.callsTo(ADD).length,
  };
}

/**
 * An engine whose process dies in the middle of the template rung: `call` says whether the
 * request reached WeCom (and WeCom accepted it) before the death. The engine is never heard
 * from again: its tick never returns, nothing after the call is written.
 */
async function dieDuringTemplate(siyu: Siyu, call: boolean): Promise<void> {
  let died!: () => void;
  const death = new Promise<void>((r) => (died = r));
  const wrapActions = (a: JourneyActions): JourneyActions => ({
    ...a,
    sendTemplate: async (p) => {
      if (call) await a.sendTemplate(p);
      died();
      return new Promise<never>(() => {});
    },
  });
  void siyu.journeys.makeEngine('dies', { wrapActions }).tick();
  await death;
}

test(`${b} WeCom accepted the template but the process died before storing the msgid: a new engine adopts WeCom's task, the customer has one`, async (t) => {
  const { siyu, clock, c, settleMs, touch, adds } = await setup(t);
  await dieDuringTemplate(siyu, true);
  const [msgid] = siyu.emulator!.massMessagesTo(c.externalUserId);
  t.truthy(msgid, 'WeCom created the task');
  const left = await touch();
  t.is(left.status, 'pending');
  t.is(Number(left.template_attempt_at), DUE, 'the attempt was recorded before the call');
  t.is(left.template_sender, 'rep001');
  t.is(left.ref, null);

  // Another process takes over once the lease has run out, but waits for the settle window.
  clock.set(DUE + siyu.config.journeys.leaseMs + MIN);
  const second = siyu.journeys.makeEngine('second');
  t.like(await second.tick(), { sent: 0, failed: 0 });
  t.like(await touch(), { status: 'pending', ref: null });
  t.is(Number((await touch()).due_at), DUE + settleMs, 'looked at again when the window has passed');
  t.is(adds(), 1, 'nothing sent again inside the window');

  clock.set(DUE + settleMs);
  t.like(await second.tick(), { sent: 1, failed: 0 });
  const done = await touch();
  t.like(done, { status: 'sent', channel: 'template', ref: `msg:${msgid}`, delivery: 'awaiting' });
  t.is(Number(done.sent_at), DUE, 'recorded as sent when WeCom got it');
  t.is(adds(), 1, 'add_msg_template was called once in all');
  t.deepEqual(siyu.emulator!.massMessagesTo(c.externalUserId), [msgid]);
  t.like(await second.tick(), { sent: 0 }, 'a later tick has nothing to do');

  // The results poller reads the adopted msgid like any other.
  siyu.emulator!.confirmMassTask(msgid!, 'rep001');
  clock.advance(MIN);
  t.like(await siyu.journeys.pollMassMessageResults(), { checked: 1, delivered: 1 });
  t.like(await touch(), { delivery: 'delivered' });
});

test(`${b} the call never reached WeCom: after the settle window nothing matches and the touch is sent once`, async (t) => {
  const { siyu, clock, c, customer, settleMs, touch, adds } = await setup(t);
  await dieDuringTemplate(siyu, false);
  t.is(adds(), 0);
  const left = await touch();
  t.is(Number(left.template_attempt_at), DUE);

  // Same text, same rep, another customer, inside the window: not this touch's task.
  const other = await customer('小周');
  const coupon = JSON.parse(left.payload).coupon as string;
  const text = `感谢小李的购买！送您一张复购券，券码 ${coupon}，下次到店出示即可使用。`;
  const decoy = await new WecomContactApi(siyu.wecom).addMsgTemplate({ sender: 'rep001', externalUserIds: [other.externalUserId], text });
  t.is(siyu.emulator!.massMessage(decoy.msgid)?.text?.content, text, 'the decoy carries the very text of the touch');

  clock.set(DUE + settleMs - 1);
  t.like(await siyu.journeys.makeEngine('second').tick(), { sent: 0 });
  t.is(adds(), 1, 'not sent again before the window has passed');

  clock.set(DUE + settleMs);
  t.like(await siyu.journeys.makeEngine('third').tick(), { sent: 1, failed: 0 });
  const mine = siyu.emulator!.massMessagesTo(c.externalUserId);
  t.is(mine.length, 1, 'one task for the customer');
  t.not(mine[0], decoy.msgid);
  const done = await touch();
  t.like(done, { status: 'sent', channel: 'template', ref: `msg:${mine[0]}`, delivery: 'awaiting' });
  t.is(siyu.emulator!.massMessage(mine[0]!)?.text?.content, text);
  t.is(Number(done.template_attempt_at), DUE + settleMs, 'the new attempt was recorded before its call');
});

test(`${b} WeCom created the task but the answer was lost: the client does not retry, and the next try adopts the task`, async (t) => {
  const { siyu, clock, c, settleMs, touch, adds } = await setup(t);
  siyu.emulator!.injectFault(ADD, { drop: true, afterHandling: true });
  t.like(await siyu.journeys.engine.tick(), { sent: 0 });
  t.is(adds(), 1, 'no blind retry of a call WeCom cannot dedupe');
  const [msgid] = siyu.emulator!.massMessagesTo(c.externalUserId);
  t.truthy(msgid);
  t.like(await touch(), { status: 'pending', last_error: 'WECOM.UNREACHABLE', ref: null });

  clock.set(DUE + settleMs);
  t.like(await siyu.journeys.engine.tick(), { sent: 1 });
  t.like(await touch(), { status: 'sent', ref: `msg:${msgid}` });
  t.is(adds(), 1);
  t.deepEqual(siyu.emulator!.massMessagesTo(c.externalUserId), [msgid]);
});

test(`${b} a WeCom error answer voids the attempt: the retry sends without waiting for the settle window`, async (t) => {
  const { siyu, clock, c, touch, adds } = await setup(t);
  siyu.emulator!.injectFault(ADD, { errcode: 60011 });
  t.like(await siyu.journeys.engine.tick(), { sent: 0 });
  const failed = await touch();
  t.like(failed, { status: 'pending', last_error: 'WECOM.API_60011', template_attempt_at: null });
  clock.set(Number(failed.due_at));
  t.like(await siyu.journeys.engine.tick(), { sent: 1 });
  t.is(adds(), 2);
  t.is(siyu.emulator!.massMessagesTo(c.externalUserId).length, 1);
});

test(`${b} a task whose msgid another touch already holds is not adopted`, async (t) => {
  const { siyu, clock, c, settleMs, touch, adds } = await setup(t);
  await dieDuringTemplate(siyu, true);
  const [msgid] = siyu.emulator!.massMessagesTo(c.externalUserId);
  // As if another touch had recorded that task as its own.
  await siyu.db('touches').insert({ idem_key: 'other:1', customer_id: c.customerId, step_index: 0, kind: 'message', payload: '{}', marketing: false, status: 'sent', channel: 'template', ref: `msg:${msgid}`, delivery: 'awaiting', due_at: T0, created_at: T0, sent_at: T0 });
  clock.set(DUE + settleMs);
  t.like(await siyu.journeys.makeEngine('second').tick(), { sent: 1 });
  t.is(adds(), 2, 'sent again: the only candidate belongs to another touch');
  const done = await touch();
  t.not(done.ref, `msg:${msgid}`);
  t.deepEqual(siyu.emulator!.massMessagesTo(c.externalUserId), [msgid, done.ref.slice(4)]);
});
