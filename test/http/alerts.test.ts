import test from 'ava';
import { admin } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { MINUTE, queueOutbox, startAlertApp } from '../support/alerts.js';

const b = `[${backendName}]`;

test(`${b} GET /api/alerts needs the admin key and lists firing alerts first, then resolved ones`, async (t) => {
  const { siyu, clock } = await startAlertApp(t);
  const api = admin(siyu);
  t.is((await fetch(`${siyu.url}/api/alerts`)).status, 401);
  t.deepEqual((await api.get('/api/alerts')).json, { items: [] });

  siyu.emulator!.injectFault('/cgi-bin/externalcontact/get_follow_user_list', { errcode: 60020 });
  await t.throwsAsync(siyu.wecom.call('/cgi-bin/externalcontact/get_follow_user_list', { method: 'GET' } as never));
  await siyu.monitoring.alerts.evaluate();
  clock.advance(16 * MINUTE);
  await queueOutbox(siyu, 2, clock.now() - 45 * MINUTE);
  await siyu.monitoring.alerts.evaluate();

  const all = await api.get('/api/alerts');
  t.is(all.status, 200);
  t.deepEqual(all.json.items.map((a: { rule: string; status: string }) => [a.rule, a.status]), [['outbox_backlog', 'firing'], ['wecom_ip_blocked', 'resolved']]);
  const at = new Date(clock.now()).toISOString();
  t.like(all.json.items[0], { subject: 'default', title: '待发消息积压', firedAt: at, lastNotifiedAt: at, resolvedAt: null, updatedAt: at, notices: 1 });
  t.regex(all.json.items[1].resolvedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'ISO 8601 like every other API');
  t.false('version' in all.json.items[0]);
  t.deepEqual((await api.get('/api/alerts?status=resolved')).json.items.map((a: { rule: string }) => a.rule), ['wecom_ip_blocked']);
  const bad = await api.get('/api/alerts?status=open');
  t.is(bad.status, 400);
  t.regex(bad.text, /状态只能是 firing 或 resolved/);
});

test(`${b} /metrics exposes outbox depth read from the database, alert state, notices and WeCom errcodes after traffic`, async (t) => {
  const { siyu, clock } = await startAlertApp(t);
  await queueOutbox(siyu, 2, clock.now() - 40 * MINUTE);
  await queueOutbox(siyu, 1, clock.now() + 60 * MINUTE);
  siyu.emulator!.injectFault('/cgi-bin/externalcontact/get_follow_user_list', { errcode: 60020 });
  await t.throwsAsync(siyu.wecom.call('/cgi-bin/externalcontact/get_follow_user_list', { method: 'GET' } as never));
  await fetch(`${siyu.url}/wecom/callback?msg_signature=x&timestamp=1&nonce=n`, { method: 'POST', body: '<xml><Encrypt>a</Encrypt></xml>' });
  await siyu.monitoring.alerts.evaluate();

  const text = await (await fetch(`${siyu.url}/metrics`)).text();
  const value = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  t.is(value('siyu_outbox_messages{status="pending"}'), 3);
  t.is(value('siyu_outbox_messages{status="sending"}'), 0);
  t.is(value('siyu_outbox_due_messages'), 2);
  t.is(value('siyu_outbox_oldest_pending_seconds'), 40 * 60);
  t.is(value('siyu_alerts_firing{rule="outbox_backlog"}'), 1);
  t.is(value('siyu_alerts_firing{rule="wecom_ip_blocked"}'), 1);
  t.is(value('siyu_alerts_firing{rule="scan_drop"}'), 0);
  t.is(value('siyu_alert_notices_total{kind="firing",outcome="sent"}'), 2);
  t.is(value('siyu_wecom_api_calls_total{path="/cgi-bin/externalcontact/get_follow_user_list",errcode="60020"}'), 1);
  t.regex(text, /^siyu_wecom_callbacks_total\{outcome="rejected_4\d\d"\} 1$/m);
});
