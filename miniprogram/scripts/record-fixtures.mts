/**
 * Records the API answers the page tests replay (test/fixtures/*.json) from the real backend.
 *
 * Run from the repository root (it uses the backend's own dependencies, not miniprogram's):
 *
 *   node --import tsx miniprogram/scripts/record-fixtures.mts
 *
 * It starts the whole app in sandbox mode (WeCom and WeChat emulators in-process, a throwaway
 * SQLite file, random port), seeds two stores, three staff members, a channel, customers who
 * scanned it, an order and tasks, logs in through wx.login codes and invite binding exactly as
 * the mini-program does, and writes every answer with its status. Endpoints the backend does not
 * have yet (answering a route-level 404/405) are skipped and their hand-written fixture (see
 * test/fixtures/README.md) is kept; re-run this once they land to replace them with real answers.
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.js';
import { createSiyu } from '../../src/main/compose.js';
import { createLogger } from '../../src/shared/logger.js';
import { PiiCipher } from '../../src/shared/pii.js';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '../test/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'siyu-fixtures-'));
const commit = execSync('git rev-parse --short HEAD', { cwd: here }).toString().trim();

const config = loadConfig({ env: { NODE_ENV: 'test', SANDBOX: 'true' }, overrides: { db: { sqliteFile: join(tmp, 'siyu.sqlite') } } });
const siyu = await createSiyu(config, { migrate: true, wecomBackoffMs: 5, log: createLogger({ level: 'silent' }) });
const written: string[] = [];
const skipped: string[] = [];

interface Reply {
  status: number;
  body: unknown;
}

async function http(method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(`${siyu.url}${path}`, {
    method,
    headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
    body: o.body === undefined ? undefined : JSON.stringify(o.body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') && text ? JSON.parse(text) : text };
}

const adminCall = (method: string, path: string, body?: unknown) => http(method, path, { token: config.adminApiKey, body });
const mp = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) => http(method, `/api/mp${path}`, { token, body, headers });

/** A route the backend does not have yet answers 404 without an MP.* code, or 405. */
const missingRoute = (r: Reply) => r.status === 405 || (r.status === 404 && !String((r.body as { error?: { code?: string } })?.error?.code || '').startsWith('MP.'));

function save(name: string, request: string, r: Reply): void {
  if (missingRoute(r)) {
    skipped.push(`${name} (${request} → ${r.status})`);
    return;
  }
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify({ request, source: `recorded by scripts/record-fixtures.mts at ${commit}`, status: r.status, body: r.body }, null, 2)}\n`);
  written.push(name);
}

async function must(what: string, p: Promise<Reply>, status = 200): Promise<any> {
  const r = await p;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

try {
  const [s1] = await siyu.db('stores').insert({ code: 's1', name: '旗舰店', created_at: 0 });
  const [s2] = await siyu.db('stores').insert({ code: 's2', name: '万达店', created_at: 0 });
  const store1 = Number(s1);
  const store2 = Number(s2);
  for (const s of [
    { wecomUserId: 'hq001', name: '总部运营', role: 'hq_admin', storeId: null },
    { wecomUserId: 'mgr001', name: '店长老李', role: 'store_manager', storeId: store1 },
    { wecomUserId: 'rep001', name: '导购小王', role: 'rep', storeId: store1 },
    { wecomUserId: 'rep002', name: '导购小张', role: 'rep', storeId: store2 },
  ]) await must(`staff ${s.wecomUserId}`, adminCall('POST', '/api/staff', s));

  const channel = await must(
    'channel',
    adminCall('POST', '/api/channels', { name: '电梯广告-3号楼-A', kind: 'elevator', storeId: store1, staffUserIds: ['rep001'], welcomeText: '您好{{name}}，欢迎来到3号楼！', tags: ['楼栋:3号楼', '电梯:A'], attributes: { 楼栋: '3号楼', 电梯: 'A' } }),
    201,
  );
  const customerIds: number[] = [];
  for (const name of ['张三', '李四']) {
    const scan = await must(`scan ${name}`, adminCall('POST', '/sandbox/scan', { channelId: channel.id, name }));
    customerIds.push(scan.customerId);
  }
  const pii = new PiiCipher(config.piiKey);
  await siyu.db('customers').where({ id: customerIds[0] }).update({ phone_enc: pii.encrypt('13800001234'), phone_tail: '1234' });
  await must('order', adminCall('POST', '/api/orders', { customerId: customerIds[0], orderNo: 'POS-0001', amountFen: 12800, paidAt: '2026-11-24T15:30:00+08:00' }), 201);
  const taskRow = (customerId: number, staff: string, title: string) => ({ store_id: store1, customer_id: customerId, staff_userid: staff, kind: 'followup', title, due_at: Date.now(), status: 'open', created_at: Date.now() });
  const [t1] = await siyu.db('tasks').insert(taskRow(customerIds[0]!, 'rep001', '回访张三：询问使用感受'));
  await siyu.db('tasks').insert(taskRow(customerIds[1]!, 'rep001', '邀请李四参加周末活动'));
  await siyu.db('tasks').insert(taskRow(customerIds[1]!, 'mgr001', '核对本周门店活动物料'));

  // Login and binding, as the login page does it.
  const code = (openid: string) => siyu.wechatEmulator!.issueCode(openid);
  const needs = await mp('POST', '/login', undefined, { code: code('o-mgr001') });
  save('login-needs-binding', 'POST /api/mp/login', needs);
  const bindToken = (needs.body as { bindToken: string }).bindToken;
  save('bind-invalid-invite', 'POST /api/mp/bind', await mp('POST', '/bind', undefined, { bindToken, inviteCode: 'WRONG-0000' }));
  const invite = await must('invite', adminCall('POST', '/api/staff/mgr001/invites'), 201);
  const bound = await mp('POST', '/bind', undefined, { bindToken, inviteCode: invite.inviteCode });
  save('bind', 'POST /api/mp/bind', bound);
  const boundAgain = await mp('POST', '/login', undefined, { code: code('o-mgr001') });
  save('login-bound', 'POST /api/mp/login', boundAgain);
  const mgr = boundAgain.body as { accessToken: string; refreshToken: string };
  const refreshed = await mp('POST', '/refresh', undefined, { refreshToken: mgr.refreshToken });
  save('refresh', 'POST /api/mp/refresh', refreshed);
  save('refresh-invalid', 'POST /api/mp/refresh', await mp('POST', '/refresh', undefined, { refreshToken: 'not-a-refresh-token' }));
  const token = (refreshed.body as { accessToken: string }).accessToken;

  async function loginAs(wecomUserId: string): Promise<string> {
    const l = await must(`login ${wecomUserId}`, mp('POST', '/login', undefined, { code: code(`o-${wecomUserId}`) }));
    const inv = await must(`invite ${wecomUserId}`, adminCall('POST', `/api/staff/${wecomUserId}/invites`), 201);
    return (await must(`bind ${wecomUserId}`, mp('POST', '/bind', undefined, { bindToken: l.bindToken, inviteCode: inv.inviteCode }))).accessToken;
  }
  const rep = await loginAs('rep001');
  const hq = await loginAs('hq001');

  save('unauthorized', 'GET /api/mp/me', await mp('GET', '/me', 'expired-or-forged'));
  save('me-manager', 'GET /api/mp/me', await mp('GET', '/me', token));
  save('me-rep', 'GET /api/mp/me', await mp('GET', '/me', rep));
  save('me-hq', 'GET /api/mp/me', await mp('GET', '/me', hq));
  save('customers-manager', 'GET /api/mp/customers', await mp('GET', '/customers', token));
  save('customers-rep', 'GET /api/mp/customers', await mp('GET', '/customers', rep));
  save('customers-empty', 'GET /api/mp/customers?q=0000', await mp('GET', '/customers?q=0000', token));
  save('customers-invalid', 'GET /api/mp/customers?stage=vip', await mp('GET', '/customers?stage=vip', token));
  save('customer-detail', `GET /api/mp/customers/${customerIds[0]}`, await mp('GET', `/customers/${customerIds[0]}`, token));
  save('customer-not-found', 'GET /api/mp/customers/999999', await mp('GET', '/customers/999999', token));
  save('reveal-phone', `POST /api/mp/customers/${customerIds[0]}/reveal-phone`, await mp('POST', `/customers/${customerIds[0]}/reveal-phone`, token));
  save('reveal-phone-forbidden', `POST /api/mp/customers/${customerIds[0]}/reveal-phone`, await mp('POST', `/customers/${customerIds[0]}/reveal-phone`, rep));
  save('tasks-mine', 'GET /api/mp/tasks?scope=mine', await mp('GET', '/tasks?scope=mine', rep));
  save('tasks-store', 'GET /api/mp/tasks?scope=store', await mp('GET', '/tasks?scope=store', token));
  save('tasks-empty', 'GET /api/mp/tasks?scope=mine', await mp('GET', '/tasks?scope=mine', hq));
  save('tasks-store-forbidden', 'GET /api/mp/tasks?scope=store', await mp('GET', '/tasks?scope=store', rep));
  save('task-complete-invalid', `POST /api/mp/tasks/${t1}/complete`, await mp('POST', `/tasks/${t1}/complete`, rep, { outcome: '' }));
  save('task-complete', `POST /api/mp/tasks/${t1}/complete`, await mp('POST', `/tasks/${t1}/complete`, rep, { outcome: '已回访，客户满意' }));
  save('task-complete-closed', `POST /api/mp/tasks/${t1}/complete`, await mp('POST', `/tasks/${t1}/complete`, rep, { outcome: '再次提交' }));

  // The session-3 endpoints (recorded once the backend has them).
  save('stores', 'GET /api/mp/stores', await mp('GET', '/stores', hq));
  save('dashboard', 'GET /api/mp/dashboard', await mp('GET', '/dashboard', token));
  save('channels', 'GET /api/mp/channels', await mp('GET', '/channels', token));
  save('channels-empty', 'GET /api/mp/channels?q=无此渠道', await mp('GET', `/channels?q=${encodeURIComponent('无此渠道')}`, token));
  save('channel-detail', `GET /api/mp/channels/${channel.id}`, await mp('GET', `/channels/${channel.id}`, token));
  save('channel-not-found', 'GET /api/mp/channels/999999', await mp('GET', '/channels/999999', token));
  save('channel-pause', `POST /api/mp/channels/${channel.id}/pause`, await mp('POST', `/channels/${channel.id}/pause`, token));
  save('channel-resume', `POST /api/mp/channels/${channel.id}/resume`, await mp('POST', `/channels/${channel.id}/resume`, token));
  const newChannel = { name: '收银台立牌', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '您好{{name}}，感谢光临！', tags: ['收银台'] };
  save('channel-create', 'POST /api/mp/channels', await mp('POST', '/channels', token, newChannel));
  save('channel-create-invalid', 'POST /api/mp/channels', await mp('POST', '/channels', token, { ...newChannel, staffUserIds: [] }));
  save('channel-create-forbidden', 'POST /api/mp/channels', await mp('POST', '/channels', rep, newChannel));
  save('channel-batch', 'POST /api/mp/channels/batch', await mp('POST', '/channels/batch', token, { prefix: '电梯', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '您好{{name}}！', tags: [], dimensions: [{ label: '楼栋', values: ['1号楼', '2号楼'] }, { label: '电梯', values: ['A', 'B'] }] }));
  save('customer-patch', `PATCH /api/mp/customers/${customerIds[0]}`, await mp('PATCH', `/customers/${customerIds[0]}`, token, { tags: { add: ['高意向'] }, note: '喜欢周末到店' }));
  save('orders-create', 'POST /api/mp/orders', await mp('POST', '/orders', token, { customerId: customerIds[1], amountFen: 9900, note: '门店补录' }, { 'Idempotency-Key': 'fixture-order-1' }));
  save('orders-create-invalid', 'POST /api/mp/orders', await mp('POST', '/orders', token, { customerId: customerIds[1], amountFen: 0 }, { 'Idempotency-Key': 'fixture-order-2' }));
  const journeys = await mp('GET', '/journeys', token);
  save('journeys', 'GET /api/mp/journeys', journeys);
  const firstJourney = (journeys.body as { items?: Array<{ id: number }> })?.items?.[0];
  if (firstJourney) {
    save('journey-detail', `GET /api/mp/journeys/${firstJourney.id}`, await mp('GET', `/journeys/${firstJourney.id}`, token));
    save('journey-disable', `POST /api/mp/journeys/${firstJourney.id}/disable`, await mp('POST', `/journeys/${firstJourney.id}/disable`, token));
    save('journey-enable', `POST /api/mp/journeys/${firstJourney.id}/enable`, await mp('POST', `/journeys/${firstJourney.id}/enable`, token));
  }
  const range = 'from=2026-10-27&to=2026-11-25';
  save('report-funnel', 'GET /api/mp/reports/funnel', await mp('GET', `/reports/funnel?${range}&groupBy=channel`, token));
  save('report-journeys', 'GET /api/mp/reports/journeys', await mp('GET', `/reports/journeys?${range}`, token));
  save('report-reactivation', 'GET /api/mp/reports/reactivation', await mp('GET', `/reports/reactivation?${range}`, token));
  save('report-nps', 'GET /api/mp/reports/nps', await mp('GET', `/reports/nps?${range}`, token));
  save('report-rfm', 'GET /api/mp/reports/rfm', await mp('GET', '/reports/rfm', token));
  save('report-ltv', 'GET /api/mp/reports/ltv', await mp('GET', `/reports/ltv?${range}`, token));
  save('export-forbidden', 'GET /api/mp/export/customers.csv', await mp('GET', '/export/customers.csv', rep));
} finally {
  await siyu.close();
  rmSync(tmp, { recursive: true, force: true });
}

console.log(`recorded ${written.length}: ${written.join(', ')}`);
if (skipped.length) console.log(`not in the backend yet, hand-written fixture kept (${skipped.length}):\n  ${skipped.join('\n  ')}`);
