import test from 'ava';
import { createSiyu } from '../../src/main/compose.js';
import { createLogger } from '../../src/shared/logger.js';
import { backendName } from '../support/backends.js';
import { MINUTE, noticesOf, queueOutbox, startAlertApp } from '../support/alerts.js';

const b = `[${backendName}]`;
const FOLLOW_USERS = '/cgi-bin/externalcontact/get_follow_user_list';
const firing = (list: string[], title: string) => list.filter((x) => x.startsWith('【告警】') && x.includes(title));
const resolved = (list: string[], title: string) => list.filter((x) => x.startsWith('【恢复】') && x.includes(title));

test(`${b} WeCom answering 60020 fires once, evaluating again sends nothing, and recovery is told once the window is clean`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  siyu.emulator!.injectFault(FOLLOW_USERS, { errcode: 60020, times: 2 });
  await t.throwsAsync(siyu.wecom.call(FOLLOW_USERS, { method: 'GET' } as never));
  await t.throwsAsync(siyu.wecom.call(FOLLOW_USERS, { method: 'GET' } as never));

  const first = await siyu.monitoring.alerts.evaluate();
  t.is(first.fired, 1);
  await siyu.monitoring.alerts.evaluate();
  const title = '企业微信接口拒绝本服务器 IP（60020）';
  t.is(firing(notices(), title).length, 1);
  t.regex(firing(notices(), title)[0]!, /2 次调用返回 60020/);

  clock.advance(siyu.config.alerts.windowMin * MINUTE + MINUTE);
  const later = await siyu.monitoring.alerts.evaluate();
  t.is(later.resolved, 1);
  await siyu.monitoring.alerts.evaluate();
  t.is(resolved(notices(), title).length, 1);
  t.is(firing(notices(), title).length, 1);
});

test(`${b} 40001/42001 that persist past the token refresh fire; bad-signature callbacks fire the callback rule`, async (t) => {
  const { siyu, notices } = await startAlertApp(t);
  siyu.emulator!.injectFault(FOLLOW_USERS, { errcode: 40001, times: 4 });
  // Each call is refused, refreshes its token once, and is refused again.
  await t.throwsAsync(siyu.wecom.call(FOLLOW_USERS, { method: 'GET' } as never));
  await t.throwsAsync(siyu.wecom.call(FOLLOW_USERS, { method: 'GET' } as never));
  const ts = Math.floor(siyu.clock.now() / 1000);
  for (let i = 0; i < 6; i++) {
    const r = await fetch(`${siyu.url}/wecom/callback?msg_signature=bad${i}&timestamp=${ts}&nonce=n${i}`, { method: 'POST', body: '<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>' });
    t.true(r.status >= 400);
  }
  await siyu.monitoring.alerts.evaluate();
  t.is(firing(notices(), '企业微信 access_token 持续无效').length, 1);
  t.regex(firing(notices(), '企业微信回调处理失败率过高')[0] ?? '', /回调 6 次，失败 6 次/);
});

test(`${b} a growing send failure rate fires the send rule`, async (t) => {
  const { siyu, notices } = await startAlertApp(t);
  // What the outbox drainer reports for each row (bot-role wires onResult to this counter).
  siyu.metrics.outboxResults.inc({ outcome: 'sent' }, 4);
  siyu.metrics.outboxResults.inc({ outcome: 'failed' }, 2);
  await siyu.monitoring.alerts.evaluate();
  t.is(firing(notices(), '机器人消息发送失败率过高').length, 0, 'two failures are under the minimum of three');
  siyu.metrics.outboxResults.inc({ outcome: 'failed' }, 1);
  await siyu.monitoring.alerts.evaluate();
  t.regex(firing(notices(), '机器人消息发送失败率过高')[0] ?? '', /发送成功 4 条，最终失败 3 条（43%）/);
});

test(`${b} an aging outbox fires once, reminds only after remindEveryHours, and recovers when drained`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t, { remindEveryHours: 2 });
  await queueOutbox(siyu, 3, clock.now());
  const title = '待发消息积压';
  clock.advance(29 * MINUTE);
  await siyu.monitoring.alerts.evaluate();
  t.is(firing(notices(), title).length, 0, 'under maxAgeMin');
  clock.advance(2 * MINUTE);
  await siyu.monitoring.alerts.evaluate();
  await siyu.monitoring.alerts.evaluate();
  t.is(firing(notices(), title).length, 1);
  t.regex(firing(notices(), title)[0]!, /3 条消息已到发送时间尚未发出，最早一条已等待 31 分钟/);

  clock.advance(2 * 60 * MINUTE - MINUTE);
  await siyu.monitoring.alerts.evaluate();
  t.is(firing(notices(), title).length, 1, 'no reminder before two hours');
  clock.advance(MINUTE);
  await siyu.monitoring.alerts.evaluate();
  await siyu.monitoring.alerts.evaluate();
  const all = firing(notices(), title);
  t.is(all.length, 2);
  t.regex(all[1]!, /仍未恢复，已持续 2 小时 0 分钟/);

  await siyu.db('outbox').update({ status: 'sent', sent_at: clock.now() });
  await siyu.monitoring.alerts.evaluate();
  t.is(resolved(notices(), title).length, 1);
  const [row] = await siyu.monitoring.alerts.list();
  t.like(row, { rule: 'outbox_backlog', status: 'resolved', notices: 2, resolvedAt: clock.now() });
});

test(`${b} a notice that cannot be sent is sent at the next evaluation`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  await queueOutbox(siyu, 1, clock.now() - 31 * MINUTE);
  siyu.emulator!.injectFault('/cgi-bin/message/send', { errcode: 60011, times: 1 });
  const r = await siyu.monitoring.alerts.evaluate();
  t.like(r, { fired: 0, notifyFailed: 1 });
  t.is(firing(notices(), '待发消息积压').length, 0);
  const again = await siyu.monitoring.alerts.evaluate();
  t.like(again, { fired: 1, reminded: 0 });
  t.is(firing(notices(), '待发消息积压').length, 1);
  t.notRegex(firing(notices(), '待发消息积压')[0]!, /仍未恢复/);
});

test(`${b} two instances evaluating at once on one database send one notice`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  await queueOutbox(siyu, 1, clock.now() - 40 * MINUTE);
  const other = await createSiyu(siyu.config, { clock, http: false, log: createLogger({ level: 'silent' }) });
  t.teardown(() => other.close());
  const results = await Promise.all([siyu.monitoring.alerts.evaluate(), other.monitoring.alerts.evaluate(), siyu.monitoring.alerts.evaluate()]);
  t.is(results.reduce((a, r) => a + r.fired, 0), 1);
  // Each instance has its own sandbox emulator: count what both delivered.
  t.is(firing([...notices(), ...noticesOf(other)], '待发消息积压').length, 1);

  await siyu.db('outbox').update({ status: 'sent', sent_at: clock.now() });
  await Promise.all([siyu.monitoring.alerts.evaluate(), other.monitoring.alerts.evaluate()]);
  t.is(resolved([...notices(), ...noticesOf(other)], '待发消息积压').length, 1);
});

test(`${b} a job that stops succeeding fires after factor × interval + grace, and recovers with its next run`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  const runs = siyu.monitoring.jobRuns;
  const jobs = [{ name: 'channel-sync-retry', everyMs: MINUTE }];
  await runs.register(['channel-sync-retry'], clock.now());
  await runs.recordOk('channel-sync-retry', clock.now(), 12);
  clock.advance(12 * MINUTE - 1);
  await siyu.monitoring.alerts.evaluate({ jobs });
  t.is(firing(notices(), '定时任务 channel-sync-retry').length, 0);
  await runs.recordFailed('channel-sync-retry', clock.now(), 'db down');
  clock.advance(1);
  await siyu.monitoring.alerts.evaluate({ jobs });
  t.regex(firing(notices(), '定时任务 channel-sync-retry')[0] ?? '', /已 12 分钟没有成功运行.*最近一次失败.*db down/s);
  await runs.recordOk('channel-sync-retry', clock.now(), 10);
  await siyu.monitoring.alerts.evaluate({ jobs });
  t.is(resolved(notices(), '定时任务 channel-sync-retry').length, 1);
});

test(`${b} scans of an active channel far below the same hours of the last 7 days fire; a quiet channel does not`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  // 10:00 Asia/Shanghai on the test clock: "so far today" is 00:00–10:00.
  const make = (name: string) => siyu.channels.create({ name, kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎', tags: [] });
  const busy = await make('3号楼电梯A');
  const quiet = await make('冷门海报');
  const rows: Array<Record<string, unknown>> = [];
  const scan = (channelId: number, at: number, i: number) => rows.push({ channel_id: channelId, visitor_id: `v${rows.length}`, ip_hash: 'h', day: 20260101, first_of_day: true, created_at: at + i * 1000 });
  for (let d = 1; d <= 7; d++) {
    const morning = clock.now() - d * 86_400_000 - 3 * 3600_000;
    for (let i = 0; i < 30; i++) scan(busy.id, morning, i);
    for (let i = 0; i < 5; i++) scan(quiet.id, morning, i);
    // After 10:00 on earlier days: outside "the same hours", not counted.
    for (let i = 0; i < 50; i++) scan(busy.id, morning + 5 * 3600_000, i);
  }
  for (let i = 0; i < 3; i++) scan(busy.id, clock.now() - 3600_000, i);
  for (let i = 0; i < 200; i += 50) await siyu.db('scans').insert(rows.slice(i, i + 50));
  await siyu.db('scans').insert(rows.slice(200));

  await siyu.monitoring.alerts.evaluate();
  const sent = firing(notices(), '渠道扫码量骤降');
  t.is(sent.length, 1);
  t.regex(sent[0]!, /3号楼电梯A（今日 3 次，前7天同时段平均 30 次）/);
  t.notRegex(sent[0]!, /冷门海报/);

  for (let i = 3; i < 20; i++) scan(busy.id, clock.now() - 3600_000, i);
  await siyu.db('scans').insert(rows.slice(-17));
  await siyu.monitoring.alerts.evaluate();
  t.is(resolved(notices(), '渠道扫码量骤降').length, 1);
});
