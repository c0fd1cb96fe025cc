import test from 'ava';
import type { Message } from 'wechaty';
import { admin } from '../support/app.js';
import { startBotWorld, type BotWorld } from '../support/bot.js';

const rule = (w: BotWorld, body: Record<string, unknown>) => admin(w.siyu).post('/api/bot/rules', { name: 'r', scope: 'dm', matchKind: 'contains', ...body });

async function customerOf(w: BotWorld, contactId: string) {
  const row = await w.until(() => w.siyu.db('customer_identities').where({ kind: 'bot_contact', value: contactId }).first());
  return (await admin(w.siyu).get(`/api/customers/${row.customer_id}`)).json;
}

const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a keyword rule answers 1:1 with the customer name, and both messages land on the timeline', async (t) => {
  const w = await startBotWorld(t);
  t.is((await rule(w, { pattern: '营业时间', reply: '{name}您好，我们每天 10:00-22:00 营业' })).status, 201);
  const alice = w.contact('小爱');
  alice.say('请问营业时间是几点？').to(w.me);
  t.is(await w.nextFromBot(alice), '小爱您好，我们每天 10:00-22:00 营业');

  const c = await customerOf(w, alice.id);
  const kinds = c.timeline.map((e: { kind: string }) => e.kind);
  t.true(kinds.includes('message_in'));
  t.true(kinds.includes('message_out'));
  t.is(c.timeline.find((e: { kind: string }) => e.kind === 'message_in').data.text, '请问营业时间是几点？');
});

test('a redelivered message is answered once; a handler error is logged, not fatal, and the redelivery is then handled', async (t) => {
  const w = await startBotWorld(t);
  await rule(w, { pattern: '地址', reply: '我们在人民路 1 号' });
  const alice = w.contact('小爱');
  const seen: Message[] = [];
  w.role.runtime.bot.on('message', (m) => void (!m.self() && seen.push(m)));
  alice.say('地址在哪').to(w.me);
  await w.nextFromBot(alice);
  const first = seen[0]!;
  w.mocker.puppet.emit('message', { messageId: first.id });
  await quietFor(400);
  t.deepEqual(w.sentTo(alice), ['我们在人民路 1 号']);

  // The handler throws once: the bot survives and counts the error.
  const conversations = w.siyu.bot.conversations;
  const real = conversations.handleDirect.bind(conversations);
  let failures = 0;
  conversations.handleDirect = async (m) => {
    if (failures++ === 0) throw new Error('database went away');
    return real(m);
  };
  alice.say('地址？').to(w.me);
  await w.until(async () => (await w.siyu.metrics.registry.getSingleMetricAsString('siyu_bot_inbound_messages_total')).includes('outcome="error"'));
  const failed = seen[seen.length - 1]!;
  // WeCom/puppet redelivers the failed one: now it is handled.
  w.mocker.puppet.emit('message', { messageId: failed.id });
  await w.until(() => Promise.resolve(w.sentTo(alice).length === 2));
  t.deepEqual(w.sentTo(alice), ['我们在人民路 1 号', '我们在人民路 1 号']);
  t.true(w.role.runtime.bot.isLoggedIn);
});

test('two quick messages of one customer are handled in the order sent, and another customer is not held up by them', async (t) => {
  const w = await startBotWorld(t);
  const conversations = w.siyu.bot.conversations;
  const real = conversations.handleDirect.bind(conversations);
  const handled: string[] = [];
  conversations.handleDirect = async (m) => {
    // The first message is slow to handle (a cold cache, a busy database).
    if (m.text === '第一句') await quietFor(300);
    handled.push(m.text);
    return real(m);
  };
  const alice = w.contact('小爱');
  const bob = w.contact('小波');
  alice.say('第一句').to(w.me);
  alice.say('第二句').to(w.me);
  bob.say('你好').to(w.me);
  await w.until(() => Promise.resolve(handled.length === 3));
  t.deepEqual(handled.filter((x) => x !== '你好'), ['第一句', '第二句']);
  t.true(handled.indexOf('你好') < handled.indexOf('第一句'), `another conversation ran meanwhile: ${handled.join(' / ')}`);
  const row = await w.until(() => w.siyu.db('customer_identities').where({ kind: 'bot_contact', value: alice.id }).first());
  const stored = await w.until(async () => {
    const rows = await w.siyu.db('customer_events').where({ customer_id: row.customer_id, kind: 'message_in' }).orderBy('id');
    return rows.length === 2 ? rows : undefined;
  });
  t.deepEqual(stored.map((r: { data: unknown }) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data).text), ['第一句', '第二句'], 'stored in the order sent too');
});

test('退订 stops marketing and is confirmed once; 恢复订阅 undoes it', async (t) => {
  const w = await startBotWorld(t);
  const alice = w.contact('小爱');
  alice.say('TD').to(w.me);
  t.regex(await w.nextFromBot(alice), /已为您退订/);
  let c = await customerOf(w, alice.id);
  t.true(c.optedOut);
  alice.say('退订').to(w.me);
  await quietFor(400);
  t.is(w.sentTo(alice).length, 1, 'a second 退订 is not confirmed again');

  // Automated outreach to an opted-out customer is refused.
  const ask = await admin(w.siyu).post(`/api/customers/${c.id}/ask`, { question: 'nps' });
  t.is(ask.status, 409);
  t.is(ask.json.error.code, 'CUSTOMER.OPTED_OUT');

  alice.say('恢复订阅').to(w.me);
  t.regex(await w.nextFromBot(alice), /恢复订阅/);
  c = await customerOf(w, alice.id);
  t.false(c.optedOut);
  t.deepEqual(
    c.timeline.map((e: { kind: string }) => e.kind).filter((k: string) => k.startsWith('opted')),
    ['opted_in', 'opted_out'],
  );
});

test('the NPS question: a wrong answer is asked again, a right one is stored and thanked', async (t) => {
  const w = await startBotWorld(t);
  const alice = w.contact('小爱');
  alice.say('你好').to(w.me);
  await w.nextFromBot(alice);
  const c = await customerOf(w, alice.id);
  // Listen before asking: the bot may deliver before the HTTP answer arrives.
  const question = w.nextFromBot(alice);
  const ask = await admin(w.siyu).post(`/api/customers/${c.id}/ask`, { question: 'nps', ref: 'order:42' });
  t.is(ask.status, 202);
  t.regex(await question, /0 到 10/);
  alice.say('还行吧').to(w.me);
  t.regex(await w.nextFromBot(alice), /0 到 10 之间/);
  alice.say('９分').to(w.me);
  t.regex(await w.nextFromBot(alice), /感谢您的评价/);
  const answers = await w.siyu.db('survey_answers').where({ customer_id: c.id });
  t.is(answers.length, 1);
  t.is(answers[0].score, 9);
  t.is(answers[0].ref, 'order:42');
  // Asking the same question about the same order again sends nothing new.
  await admin(w.siyu).post(`/api/customers/${c.id}/ask`, { question: 'nps', ref: 'order:42' });
  await quietFor(300);
  t.is(w.sentTo(alice).filter((x) => /0 到 10/.test(x)).length, 2);
});

test('with MP_APPID the hand-off notice is a mini-program card that opens the customer in the mini-program', async (t) => {
  const appId = 'wx00112233445566ff';
  const w = await startBotWorld(t, { bot: { defaultRepUserId: 'rep001' }, overrides: { wecom: { linkedMiniAppId: appId } } });
  t.is((await rule(w, { pattern: '转人工', reply: '好的', action: 'handoff' })).status, 201);
  const alice = w.contact('小爱');
  alice.say('转人工，订单 12345 没到').to(w.me);
  await w.nextFromBot(alice);
  const c = await customerOf(w, alice.id);
  const notice = await w.until(async () => w.siyu.emulator!.appMessages.find((m) => m.userid === 'rep001'));
  t.is(notice.msgtype, 'miniprogram_notice');
  t.like(notice.payload as object, { appid: appId, page: `pages/customer-detail/customer-detail?id=${c.id}` });
  t.regex(JSON.stringify(notice.payload), /12345/);
  t.is(w.siyu.emulator!.appMessages.filter((m) => m.userid === 'rep001').length, 1, 'one notice, not the card and the text');
});

test('unanswered twice → hand-off: the owner rep gets an app message and a task, the bot stays quiet; a rep typing stands it down', async (t) => {
  const w = await startBotWorld(t, { bot: { defaultRepUserId: 'rep001' } });
  await rule(w, { pattern: '地址', reply: '我们在人民路 1 号' });
  const alice = w.contact('小爱');
  alice.say('我的快递怎么还没到').to(w.me);
  t.regex(await w.nextFromBot(alice), /没太明白/);
  alice.say('订单号 12345 一直没发货').to(w.me);
  t.regex(await w.nextFromBot(alice), /转接人工/);

  const c = await customerOf(w, alice.id);
  const notice = await w.until(async () => w.siyu.emulator!.appMessages.find((m) => m.userid === 'rep001'));
  t.is(notice.msgtype, 'text', 'without MP_APPID the notice is text');
  t.regex(JSON.stringify(notice), /小爱/);
  t.regex(JSON.stringify(notice), /12345/);
  const tasks = await w.siyu.db('tasks').where({ customer_id: c.id });
  t.is(tasks.length, 1);
  t.is(tasks[0].staff_userid, 'rep001');
  t.is(tasks[0].kind, 'handoff');
  const waiting = (await admin(w.siyu).get('/api/bot/conversations')).json.items;
  t.is(waiting.length, 1);
  t.is(waiting[0].customerId, c.id);

  // While handed off, even a question the bot could answer gets no bot reply.
  alice.say('地址在哪').to(w.me);
  await quietFor(400);
  t.is(w.sentTo(alice).length, 2);

  // The account's human user answers from the phone: the hand-off is taken, the bot keeps quiet.
  w.me.say('您好，我帮您查一下').to(alice);
  await w.until(async () => (await admin(w.siyu).get('/api/bot/conversations')).json.items.length === 0);
  const conv = await w.siyu.db('conversations').where({ customer_id: c.id }).first();
  t.true(Number(conv.quiet_until) > Date.now() + 25 * 60_000);
  const timeline = (await customerOf(w, alice.id)).timeline;
  t.true(timeline.some((e: { kind: string; data: { by?: string } }) => e.kind === 'message_out' && e.data.by === 'rep'));

  // Once the stand-down is over the bot answers again.
  await w.siyu.db('conversations').where({ customer_id: c.id }).update({ quiet_until: Date.now() - 1 });
  alice.say('地址在哪').to(w.me);
  t.is(await w.nextFromBot(alice, (x) => x.includes('人民路')), '我们在人民路 1 号');
});

test('rep commands: only registered staff; 今日任务, 完成, 客户 with a masked phone, 帮助', async (t) => {
  const w = await startBotWorld(t);
  const [storeId] = await w.siyu.db('stores').insert({ code: 's1', name: '一号店', created_at: Date.now() });
  const bob = w.contact('导购小王', { coworker: true });
  bob.say('今日任务').to(w.me);
  t.regex(await w.nextFromBot(bob), /不是已登记/);

  const reg = await admin(w.siyu).post('/api/staff', { wecomUserId: 'rep001', name: '小王', storeId: Number(storeId), role: 'rep', botContactId: bob.id });
  t.is(reg.status, 200);
  const [customerId] = await w.siyu.db('customers').insert({ store_id: Number(storeId), name: '张三', stage: 'new', gender: 0, opted_out: false, created_at: 1, updated_at: 1, phone_tail: '5678', phone_enc: null });
  const [taskId] = await w.siyu.db('tasks').insert({ store_id: Number(storeId), customer_id: Number(customerId), staff_userid: 'rep001', kind: 'followup', title: '回访张三', due_at: Date.now() - 1000, status: 'open', created_at: 1 });
  await w.siyu.db('tasks').insert({ store_id: Number(storeId), staff_userid: 'rep002', kind: 'followup', title: '别人的任务', due_at: Date.now() - 1000, status: 'open', created_at: 1 });

  bob.say('今日任务').to(w.me);
  const list = await w.nextFromBot(bob);
  t.regex(list, new RegExp(`#${taskId} 回访张三（张三）`));
  t.notRegex(list, /别人的任务/);

  bob.say(`完成 ${taskId} 已电话回访`).to(w.me);
  t.regex(await w.nextFromBot(bob), /已完成：已电话回访/);
  const done = await w.siyu.db('tasks').where({ id: taskId }).first();
  t.is(done.status, 'done');
  t.is(done.outcome, '已电话回访');
  bob.say(`完成 ${taskId}`).to(w.me);
  t.regex(await w.nextFromBot(bob), /没有找到/);

  bob.say('客户 5678').to(w.me);
  const profile = await w.nextFromBot(bob);
  t.regex(profile, /张三/);
  t.regex(profile, /未留手机号|\*{4}/);
  bob.say('客户 不存在的人').to(w.me);
  t.regex(await w.nextFromBot(bob), /没有找到/);
  bob.say('帮助').to(w.me);
  t.regex(await w.nextFromBot(bob), /今日任务/);
});

test('a contact whose WeCom external_userid is known (WorkPro handle) chats on the customer their add created', async (t) => {
  const w = await startBotWorld(t);
  const [customerId] = await w.siyu.db('customers').insert({ name: '老客户', stage: 'new', gender: 0, opted_out: false, created_at: 1, updated_at: 1 });
  await w.siyu.db('customer_identities').insert({ customer_id: Number(customerId), kind: 'wecom_external', scope: w.siyu.config.wecom.corpId, value: 'wmABCDEF123456', created_at: 1 });
  const known = w.mocker.createContact({ name: '老客户', handle: 'wmABCDEF123456' } as never);
  known.say('你好').to(w.me);
  await w.until(async () => (await w.siyu.db('customer_identities').where({ kind: 'bot_contact', value: known.id }).first()) ?? undefined);
  const link = await w.siyu.db('customer_identities').where({ kind: 'bot_contact', value: known.id }).first();
  t.is(Number(link.customer_id), Number(customerId));
  t.is(Number((await w.siyu.db('customers').count({ n: '*' }).first())!.n), 1, 'no second customer');
});

/** A customer of a store who is already a bot contact (as after an add through that store's channel). */
async function storeCustomer(w: BotWorld, contactId: string, storeName: string): Promise<number> {
  const [storeId] = await w.siyu.db('stores').insert({ code: `s${contactId.slice(-6)}`, name: storeName, created_at: Date.now() });
  const [customerId] = await w.siyu.db('customers').insert({ store_id: Number(storeId), name: '王女士', stage: 'new', gender: 0, opted_out: false, created_at: 1, updated_at: 1 });
  await w.siyu.db('customer_identities').insert({ customer_id: Number(customerId), kind: 'bot_contact', scope: w.siyu.config.bot.account, value: contactId, created_at: 1 });
  return Number(storeId);
}

test('{store} in a rule reply and in the bot texts is the customer’s store name (issue 14 defect 7)', async (t) => {
  const w = await startBotWorld(t);
  t.is((await rule(w, { pattern: '营业时间', reply: '{name}您好，{store}每天 10:00-22:00 营业' })).status, 201);
  const put = await admin(w.siyu).call('PUT', '/api/bot/templates/fallback', { text: '抱歉，{store}的小助手没听懂' });
  t.is(put.status, 200, put.text);
  const alice = w.contact('小爱');
  await storeCustomer(w, alice.id, '南京西路店');
  alice.say('营业时间？').to(w.me);
  t.is(await w.nextFromBot(alice), '王女士您好，南京西路店每天 10:00-22:00 营业');
  alice.say('随便说说').to(w.me);
  t.is(await w.nextFromBot(alice), '抱歉，南京西路店的小助手没听懂');
});

test('{store} in a group rule reply is the asker’s store name', async (t) => {
  const w = await startBotWorld(t);
  t.is((await admin(w.siyu).post('/api/bot/rules', { name: '地址', scope: 'group', matchKind: 'exact', pattern: '地址', reply: '{store}在人民路 1 号' })).status, 201);
  const a = w.contact('阿明');
  await storeCustomer(w, a.id, '人民路店');
  const g = w.room('R:300@chatroom', 'VIP群', [a]);
  a.say('地址').to(g);
  t.is(await w.nextFromBot(g), '@阿明 人民路店在人民路 1 号');
});
