import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

async function channel(siyu: Siyu) {
  const res = await admin(siyu).post('/api/channels', {
    name: '电梯-3号楼-A',
    kind: 'elevator',
    staffUserIds: ['rep001', 'rep002'],
    welcomeText: '您好{name}，福利已备好',
    tags: ['海报:春季'],
    attributes: { 楼栋: '3号楼', 电梯: 'A' },
  });
  return res.json as { id: number; code: string; configId: string };
}

/** A phone browser: keeps the visitor cookie and the form token of the last page. */
function browser(siyu: Siyu) {
  let cookie = '';
  let token = '';
  const keep = (res: Response) => {
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
  };
  return {
    get cookie() {
      return cookie;
    },
    async open(code: string) {
      const res = await fetch(`${siyu.url}/s/${code}`, { headers: cookie ? { cookie } : {} });
      keep(res);
      const html = await res.text();
      token = /name="ft" value="([^"]+)"/.exec(html)?.[1] ?? '';
      return { status: res.status, html };
    },
    async submit(code: string, fields: Record<string, string>, o: { token?: string } = {}) {
      const body = new URLSearchParams({ ft: o.token ?? token, ...fields });
      const res = await fetch(`${siyu.url}/s/${code}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: body.toString(),
      });
      keep(res);
      const html = await res.text();
      token = /name="ft" value="([^"]+)"/.exec(html)?.[1] ?? token;
      return { status: res.status, html };
    },
    get token() {
      return token;
    },
  };
}

const count = async (siyu: Siyu, table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);

test(`${b} a scan shows the offer page, counts the scan and one unique visitor a day`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const phone = browser(siyu);
  const first = await phone.open(ch.code);
  t.is(first.status, 200);
  t.regex(first.html, /电梯-3号楼-A/);
  t.regex(first.html, /3号楼 · A/);
  t.regex(first.html, /隐私/);
  // The visitor's id and the channels they were counted on today (Shanghai day).
  t.regex(phone.cookie, new RegExp(`^sy_vid=[a-f0-9]{32}\\.\\d{8}\\.${ch.id}$`));
  const id = phone.cookie.slice(7, 39);
  await phone.open(ch.code);
  await browser(siyu).open(ch.code);
  const scans = await siyu.db('scans').orderBy('id').select('first_of_day', 'ip_hash', 'visitor_id');
  t.is(scans.length, 3);
  t.deepEqual(scans.map((s) => !!s.first_of_day), [true, false, true], 'two visitors');
  t.is(scans[1].visitor_id, id);
  t.false(JSON.stringify(scans).includes('127.0.0.1'), 'no raw IP stored');

  // The same phone on another poster the same day is a visitor there too; its mark lists both.
  const other = (await admin(siyu).post('/api/channels', { name: '电梯-3号楼-B', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '欢迎' })).json;
  await phone.open(other.code);
  t.is(phone.cookie, `sy_vid=${id}.${/\.(\d{8})\./.exec(phone.cookie)![1]}.${ch.id}-${other.id}`);
  t.true(!!(await siyu.db('scans').where({ channel_id: other.id }).first()).first_of_day);
  // A mangled cookie is no cookie: a new visitor, counted once.
  const res = await fetch(`${siyu.url}/s/${ch.code}`, { headers: { cookie: 'sy_vid=<script>.x.y' } });
  t.is(res.status, 200);
  t.regex(res.headers.get('set-cookie') ?? '', /^sy_vid=[a-f0-9]{32}\.\d{8}\.\d+;/);
  t.true(!!(await siyu.db('scans').orderBy('id', 'desc').first()).first_of_day);
});

test(`${b} unknown and paused channels get a friendly page and record nothing`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const unknown = await browser(siyu).open('ch_aaaaaaaaaaaa');
  t.is(unknown.status, 404);
  t.regex(unknown.html, /二维码无效/);
  t.is((await browser(siyu).open('../../etc/passwd')).status, 404);
  await admin(siyu).post(`/api/channels/${ch.id}/pause`);
  const closed = await browser(siyu).open(ch.code);
  t.is(closed.status, 410);
  t.regex(closed.html, /活动已结束/);
  t.is(await count(siyu, 'scans'), 0);
});

test(`${b} a lead is recorded encrypted and tagged, and the add through its own QR is linked to it exactly`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const phone = browser(siyu);
  await phone.open(ch.code);
  const done = await phone.submit(ch.code, { name: '王小明', phone: '138 0013 8000', consent: '1' });
  t.is(done.status, 200, done.html);
  t.regex(done.html, /登记成功/);
  t.regex(done.html, /138\*\*\*\*8000/);
  const lead = await siyu.db('leads').first();
  t.truthy(lead.wecom_config_id);
  t.true(done.html.includes(lead.qr_code_url), 'the page shows the lead’s own QR');
  t.regex(lead.link_state, /^ld_/);
  // No plaintext phone anywhere in the database.
  for (const table of ['leads', 'customers', 'customer_identities', 'customer_events', 'consents']) {
    t.false(JSON.stringify(await siyu.db(table).select()).includes('13800138000'), table);
  }
  t.is(await count(siyu, 'consents'), 1);
  const before = await siyu.customers.view(lead.customer_id);
  const tagNames = before.tags.map((x) => `${x.group}/${x.name}`);
  for (const n of ['客户行为/已扫码', '客户行为/已留资', '楼栋/3号楼', '电梯/A', '来源渠道/电梯-3号楼-A']) t.true(tagNames.includes(n), n);
  t.false(tagNames.includes('客户行为/已加微'));

  // The person scans the QR on the thanks page and adds the rep.
  const scan = await siyu.emulator!.customerScans(lead.wecom_config_id, { name: '小明的微信' });
  await siyu.processor.drain();
  t.is(scan.userid, lead.staff_userid);
  t.is(await siyu.customers.findIdByExternalUserId(scan.externalUserId), Number(lead.customer_id), 'the same customer, not a new one');
  t.is(await count(siyu, 'customers'), 1);
  const after = await siyu.customers.view(lead.customer_id);
  t.is(after.name, '王小明', 'the name they typed is kept');
  t.true(after.tags.some((x) => x.name === '已加微'));
  t.true(after.timeline.some((e) => e.kind === 'lead_linked'));
  t.is(siyu.emulator!.welcomes.find((w) => w.externalUserId === scan.externalUserId)?.text, '您好王小明，福利已备好');
  t.truthy((await siyu.db('leads').first()).linked_at);
});

test(`${b} the same person submitting twice is one customer with one lead; a family member on the same phone is another`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const phone = browser(siyu);
  await phone.open(ch.code);
  const one = await phone.submit(ch.code, { name: '李雷', phone: '13900139000', consent: '1' });
  await phone.open(ch.code);
  const two = await phone.submit(ch.code, { name: '李雷', phone: '+86 139-0013-9000', consent: '1' });
  t.is(two.status, 200);
  const qr = (html: string) => /id="rep-qr" src="([^"]+)"/.exec(html)?.[1];
  t.is(qr(one.html), qr(two.html), 'the same QR again');
  t.is(await count(siyu, 'leads'), 1);
  t.is(await count(siyu, 'customers'), 1);

  const mum = browser(siyu);
  await mum.open(ch.code);
  t.is((await mum.submit(ch.code, { name: '韩梅梅', phone: '13900139000', consent: '1' })).status, 200);
  t.is(await count(siyu, 'customers'), 2, 'not merged into 李雷 because they share a phone');
  t.is(await count(siyu, 'leads'), 2);
});

const bad: Array<[string, Record<string, string>, RegExp]> = [
  ['an invalid phone', { name: '张三', phone: '12345', consent: '1' }, /11位手机号/],
  ['a script in the name', { name: '<script>alert(1)</script>', phone: '13800138000', consent: '1' }, /特殊符号|不能超过/],
  ['no consent', { name: '张三', phone: '13800138000' }, /同意隐私说明/],
  ['an empty name', { name: '  ', phone: '13800138000', consent: '1' }, /请填写您的称呼/],
  ['an oversized name', { name: '名'.repeat(200), phone: '13800138000', consent: '1' }, /不能超过20个字/],
  ['a filled honeypot', { name: '张三', phone: '13800138000', consent: '1', website: 'http://spam' }, /页面已过期/],
];
for (const [what, fields, message] of bad) {
  test(`${b} a form with ${what} is refused inline and writes nothing`, async (t) => {
    const siyu = await startApp(t);
    const ch = await channel(siyu);
    const phone = browser(siyu);
    await phone.open(ch.code);
    const res = await phone.submit(ch.code, fields);
    t.is(res.status, 400);
    t.regex(res.html, message);
    t.false(res.html.includes('<script>alert'), 'input is escaped when re-rendered');
    t.is(await count(siyu, 'leads'), 0);
    t.is(await count(siyu, 'customers'), 0);
  });
}

test(`${b} a replayed or forged form is refused and writes nothing more`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const phone = browser(siyu);
  await phone.open(ch.code);
  const used = phone.token;
  t.is((await phone.submit(ch.code, { name: '张三', phone: '13800138000', consent: '1' }, { token: used })).status, 200);
  const replay = await phone.submit(ch.code, { name: '张三', phone: '13800138000', consent: '1' }, { token: used });
  t.is(replay.status, 409);
  t.regex(replay.html, /请勿重复提交/);
  const forged = await phone.submit(ch.code, { name: '李四', phone: '13800138001', consent: '1' }, { token: 'abc.def.ghi' });
  t.is(forged.status, 400);
  const otherVisitor = browser(siyu);
  const stolen = await otherVisitor.submit(ch.code, { name: '李四', phone: '13800138001', consent: '1' }, { token: used });
  t.is(stolen.status, 400, 'a token is bound to its visitor');
  t.is(await count(siyu, 'leads'), 1);
});

test(`${b} one visitor submitting too often is slowed down`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const phone = browser(siyu);
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) {
    await phone.open(ch.code);
    statuses.push((await phone.submit(ch.code, { name: `访客${i}`, phone: `1380013800${i}`, consent: '1' })).status);
  }
  t.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
  t.is(await count(siyu, 'leads'), 5);
});

test(`${b} two submissions of one person racing from two phones make one customer and one lead, and both show its QR`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const a = browser(siyu);
  const c = browser(siyu);
  await a.open(ch.code);
  await c.open(ch.code);
  const [ra, rc] = await Promise.all([
    a.submit(ch.code, { name: '并发', phone: '13811112222', consent: '1' }),
    c.submit(ch.code, { name: '并发', phone: '13811112222', consent: '1' }),
  ]);
  t.is(ra.status, 200);
  t.is(rc.status, 200);
  t.is(await count(siyu, 'customers'), 1);
  t.is(await count(siyu, 'customer_identities'), 1);
  t.is(await count(siyu, 'leads'), 1);
  const lead = await siyu.db('leads').first('qr_code_url', 'wecom_config_id');
  t.truthy(lead.wecom_config_id, 'the lead has its own contact way');
  const qr = (html: string) => /id="rep-qr" src="([^"]+)"/.exec(html)?.[1];
  t.is(qr(ra.html), lead.qr_code_url);
  t.is(qr(rc.html), lead.qr_code_url);
  // The channel's own contact way and one for the lead: the loser made none of its own.
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/add_contact_way').length, 2);
});

test(`${b} the scan page is served in front of Koa with the app's conventions: client address as the app reads it, request id, metrics, errors`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const open = (headers: Record<string, string> = {}) => fetch(`${siyu.url}/s/${ch.code}?from=poster`, { headers });
  // From a trusted proxy (loopback by default): the address it appended, not what the client wrote.
  const a = await open({ 'x-forwarded-for': '10.0.0.1, 203.0.113.7', 'x-request-id': 'req-scan-1' });
  t.is(a.status, 200);
  t.is(a.headers.get('x-request-id'), 'req-scan-1');
  t.is(a.headers.get('cache-control'), 'no-store');
  t.regex(a.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  t.regex(a.headers.get('set-cookie') ?? '', /^sy_vid=[a-f0-9]{32}\.\d{8}\.\d+; path=\/s; max-age=31536000; expires=.+; samesite=lax; httponly$/);
  await a.text();
  await (await open({ 'x-forwarded-for': '203.0.113.7' })).text();
  await (await open({ 'x-forwarded-for': '198.51.100.2' })).text();
  const hashes = (await siyu.db('scans').orderBy('id').select('ip_hash')).map((r) => r.ip_hash);
  t.is(hashes[0], hashes[1], 'the rightmost address that is not a trusted proxy is the client, as Koa reads it');
  t.not(hashes[1], hashes[2]);
  t.false(hashes.some((h: string) => h.includes('203.0.113')), 'never the raw address');
  // The same keyed hash the lead form's limits use (Koa, ctx.ip).
  t.is(hashes[0], new PiiCipher(siyu.config.piiKey).hash('ip:203.0.113.7').slice(0, 32));
  const metrics = await (await fetch(`${siyu.url}/metrics`)).text();
  t.regex(metrics, /siyu_http_requests_total\{method="GET",route="\/s\/:code",status="200"\} 3/);

  // HEAD goes through Koa's route: same status, no body.
  const head = await fetch(`${siyu.url}/s/${ch.code}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.is(await head.text(), '');

  // A failure below the page answers like the error boundary, and the server carries on.
  await siyu.db.schema.renameTable('scans', 'scans_away');
  const broken = await open();
  t.is(broken.status, 500);
  t.like(await broken.json(), { error: { code: 'INTERNAL', message: '服务暂时不可用，请稍后再试' } });
  await siyu.db.schema.renameTable('scans_away', 'scans');
  t.is((await open()).status, 200);
});
