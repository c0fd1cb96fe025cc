import test from 'ava';
import { FileBox } from 'file-box';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { admin } from '../support/app.js';
import { startBotWorld } from '../support/bot.js';

const quietFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('people joining at once get one welcome that @mentions them all; joins and leaves are counted per day', async (t) => {
  const w = await startBotWorld(t, { bot: { groupWelcomeBatchMs: 300 } });
  const owner = w.contact('群主');
  const g = w.room('R:100@chatroom', '新客福利群', [owner], owner);
  const a = w.contact('阿明');
  const b = w.contact('阿红');
  g.add(a).by(owner);
  g.add(b).by(owner);
  const welcome = await w.nextFromBot(g);
  t.regex(welcome, /^@阿明\u2005@阿红 /);
  t.regex(welcome, /欢迎加入本群/);
  await quietFor(500);
  t.is(w.sentTo(g).length, 1, 'one welcome for the batch');

  g.remove(b).by(owner);
  await w.until(async () => {
    const r = await w.siyu.db('room_daily_stats').where({ room_id: g.id }).first();
    return r && Number(r.leaves) === 1 ? r : undefined;
  });
  const { days } = (await admin(w.siyu).get(`/api/bot/rooms/${encodeURIComponent(g.id)}/daily`)).json;
  t.is(days.length, 1);
  t.regex(days[0].day, /^\d{4}-\d{2}-\d{2}$/);
  t.is(days[0].joins, 2);
  t.is(days[0].leaves, 1);
});

test('a group rule answers when the bot is mentioned (or the rule is group-scoped), @mentioning the asker', async (t) => {
  const w = await startBotWorld(t);
  await admin(w.siyu).post('/api/bot/rules', { name: '价格', scope: 'both', matchKind: 'contains', pattern: '价格', reply: '价格请看群公告' });
  await admin(w.siyu).post('/api/bot/rules', { name: '群规', scope: 'group', matchKind: 'exact', pattern: '群规', reply: '本群禁止广告' });
  const a = w.contact('阿明');
  const g = w.room('R:101@chatroom', 'VIP群', [a]);
  a.say('价格多少').to(g);
  await quietFor(400);
  t.deepEqual(w.sentTo(g), [], 'not mentioned: a both-scope rule stays quiet in groups');
  a.say('@思域助手\u2005价格多少', [w.me]).to(g);
  t.is(await w.nextFromBot(g), '@阿明 价格请看群公告');
  a.say('群规').to(g);
  t.is(await w.nextFromBot(g), '@阿明 本群禁止广告');
});

test('anti-spam: links from a non-staff member are warned, then the member is removed and the owner told; staff may post links', async (t) => {
  const w = await startBotWorld(t, { bot: { spamMaxStrikes: 2 } });
  const owner = w.contact('群主');
  const spammer = w.contact('广告哥');
  const staffer = w.contact('导购小王', { coworker: true });
  const g = w.room('R:102@chatroom', '新客福利群', [owner, spammer, staffer], owner);

  staffer.say('活动详情 https://shop.example.com/a').to(g);
  await quietFor(400);
  t.deepEqual(w.sentTo(g), []);

  spammer.say('加我领红包 http://spam.example.cn').to(g);
  const warn = await w.nextFromBot(g);
  t.regex(warn, /^@广告哥 /);
  t.regex(warn, /1\/2/);
  spammer.say('便宜货 www.cheap.top').to(g);
  t.regex(await w.nextFromBot(g, (x) => x.includes('移出')), /广告哥.*移出/);
  t.regex(await w.nextFromBot(owner), /广告哥/);

  const kick = await w.until(async () => (await w.siyu.db('outbox').where({ action: 'remove', status: 'sent' }).first()) ?? undefined);
  t.is(JSON.parse(kick.mention_ids)[0], spammer.id);
  const strikes = await w.siyu.db('spam_strikes').where({ room_id: g.id, contact_id: spammer.id }).first();
  t.truthy(strikes.removed_at);
});

test('room pool (群活码): joins reported by the bot fill a room and the join way moves on to the next', async (t) => {
  const w = await startBotWorld(t);
  const created = await admin(w.siyu).post('/api/room-pools', {
    purpose: 'vip',
    name: '会员群',
    threshold: 2,
    rooms: [
      { roomId: 'R:201@chatroom', chatId: 'wrchat201' },
      { roomId: 'R:202@chatroom', chatId: 'wrchat202' },
    ],
  });
  t.is(created.status, 201, JSON.stringify(created.json));
  const poolId = created.json.id;
  const owner = w.contact('群主');
  const g = w.room('R:201@chatroom', '会员群1', [owner], owner);
  g.add(w.contact('一')).by(owner);
  g.add(w.contact('二')).by(owner);
  const pool = await w.until(async () => {
    const p = (await admin(w.siyu).get(`/api/room-pools/${poolId}`)).json;
    return p.currentRoomId === 'R:202@chatroom' ? p : undefined;
  });
  t.deepEqual(pool.joinChatIds, ['wrchat202']);
});

test('outbox pacing through the mock puppet: sends to one account are spaced by the configured rate', async (t) => {
  const w = await startBotWorld(t, { bot: { ratePerMinute: 200 } });
  const a = w.contact('阿明');
  const times: number[] = [];
  (a as unknown as import('node:events').EventEmitter).on('message', (m: { talker(): { id: string } }) => {
    if (m.talker().id === w.me.id) times.push(Date.now());
  });
  await w.siyu.bot.outbox.enqueue([1, 2, 3, 4].map((i) => ({ account: w.siyu.config.bot.account, to: { kind: 'dm' as const, contactId: a.id }, text: `第${i}条`, purpose: 'system' as const })));
  await w.until(() => Promise.resolve(times.length === 4), 10_000);
  t.deepEqual(w.sentTo(a), ['第1条', '第2条', '第3条', '第4条']);
  // Measured where the messages arrive, so each gap carries the puppet's delivery jitter; the
  // exact spacing is asserted on the drainer's own clock in test/domain/outbox.test.ts.
  t.true(times[3]! - times[0]! >= 3 * 300 - 100, `4 messages in ${times[3]! - times[0]!} ms`);
  for (let i = 1; i < times.length; i++) t.true(times[i]! - times[i - 1]! >= 150, `gap ${times[i]! - times[i - 1]!} ms`);

  // A target the account does not know fails for good, visibly.
  await w.siyu.bot.outbox.enqueue([{ account: w.siyu.config.bot.account, to: { kind: 'dm', contactId: 'nobody' }, text: '你好', purpose: 'system' }]);
  const failed = await w.until(async () => (await w.siyu.db('outbox').where({ target_id: 'nobody', status: 'failed' }).first()) ?? undefined);
  t.is(failed.last_error, 'BOT.NOT_FOUND');
});

test('anti-spam: a QR-code image from a non-member is warned; an ordinary image is not', async (t) => {
  const w = await startBotWorld(t);
  const owner = w.contact('群主');
  const spammer = w.contact('扫码哥');
  const g = w.room('R:103@chatroom', '新客福利群', [owner, spammer], owner);
  const plain = new PNG({ width: 64, height: 64 });
  plain.data.fill(200);
  spammer.say(FileBox.fromBase64(PNG.sync.write(plain).toString('base64'), 'photo.png')).to(g);
  await quietFor(500);
  t.deepEqual(w.sentTo(g), []);
  spammer.say(FileBox.fromBase64((await QRCode.toBuffer('https://spam.example/join', { width: 300 })).toString('base64'), 'qr.png')).to(g);
  t.regex(await w.nextFromBot(g), /^@扫码哥 .*1\/3/);
});
