import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { SqlCallbackEventRepo } from '../../src/persistence/callback-event.repo.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const WELCOME = '/cgi-bin/externalcontact/send_welcome_msg';
const PROFILE = '/cgi-bin/externalcontact/get';
const MARK_TAG = '/cgi-bin/externalcontact/mark_tag';

async function channel(siyu: Siyu) {
  const res = await admin(siyu).post('/api/channels', { name: '社区-幸福里', kind: 'community', staffUserIds: ['rep001'], welcomeText: '欢迎{name}', tags: ['小区:幸福里'] });
  return res.json as { id: number; code: string };
}

/**
 * `n` add events already in the inbox, left by a process that is gone (their lease has run out),
 * each for a customer the emulator knows with a fresh WelcomeCode; they arrived `ageMs` ago.
 */
async function inboxAdds(siyu: Siyu, state: string, n: number, ageMs: number, tag: string) {
  const em = siyu.emulator!;
  const now = siyu.clock.now();
  const rows = Array.from({ length: n }, (_, i) => {
    const { externalUserId } = em.addExternalUser({ name: `${tag}${i}` });
    em.addRelationship('rep001', externalUserId, { state, addWay: 1 });
    const code = em.issueWelcomeCode('rep001', externalUserId);
    const fields = {
      ToUserName: siyu.config.wecom.corpId,
      FromUserName: 'sys',
      CreateTime: String(Math.floor((now - ageMs) / 1000)),
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'rep001',
      ExternalUserID: externalUserId,
      State: state,
      WelcomeCode: code,
    };
    return { externalUserId, code, row: { dedupeKey: `${tag}-${String(i).padStart(4, '0')}`.padEnd(40, '0'), kind: 'change_external_contact/add_external_contact', fields, receivedAt: now - ageMs } };
  });
  await new SqlCallbackEventRepo(siyu.db).insertEvents(rows.map((r) => r.row), 'gone', now - 1);
  return rows;
}

/** Index in the emulator's call log of the first call to `path` (Infinity when none). */
const firstCall = (siyu: Siyu, path: string) => {
  const i = siyu.emulator!.calls.findIndex((c) => c.path === path);
  return i < 0 ? Infinity : i;
};

test(`${b} a backlog older than the window is processed without welcome attempts, and the fresh adds behind it are welcomed first`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const stale = await inboxAdds(siyu, ch.code, 30, 25_000, 'old');
  const fresh = await inboxAdds(siyu, ch.code, 40, 0, 'new');
  t.is(await siyu.processor.sweep(200), 70);

  const welcomed = siyu.emulator!.callsTo(WELCOME).map((c) => String((c.body as { welcome_code: string }).welcome_code));
  // (A client-side timeout may repeat a call; WeCom answers the repeat with 41051.)
  t.deepEqual([...new Set(welcomed)].sort(), fresh.map((f) => f.code).sort(), 'every fresh add welcomed, no attempt for the stale ones');
  const lastWelcome = siyu.emulator!.calls.map((c) => c.path).lastIndexOf(WELCOME);
  t.true(lastWelcome < firstCall(siyu, PROFILE), 'every welcome went out before any profile fetch');
  t.true(lastWelcome < firstCall(siyu, MARK_TAG), 'and before any mark_tag');
  // Forty at once is behind: sent with the template's fallback for {name}, the name filled in afterwards.
  t.true(siyu.emulator!.welcomes.every((w) => w.text === '欢迎'));

  for (const a of [...stale, ...fresh]) {
    const id = await siyu.customers.findIdByExternalUserId(a.externalUserId);
    t.truthy(id, 'every add made its customer');
    const view = await siyu.customers.view(id!);
    const kinds = view.timeline.map((e) => e.kind);
    t.true(kinds.includes('contact_added') && kinds.includes('tags_added'));
    t.true(kinds.includes(stale.includes(a) ? 'welcome_skipped' : 'welcome_sent'));
    t.true(view.tags.some((x) => x.name === '幸福里'));
    t.true(siyu.emulator!.relationship('rep001', a.externalUserId)!.tagIds.length > 0, 'and the deferred mark_tag');
  }
  // (On a loaded box a fetch may time out; the add goes on without the profile, as it always has.)
  const fetched = new Set(siyu.emulator!.callsTo(PROFILE).map((c) => String((c.query as { external_userid: string }).external_userid)));
  t.is(fetched.size, 70, 'the deferred profile fetches ran, after the welcomes');
  const statuses = await siyu.db('callback_events').distinct('status');
  t.deepEqual(statuses, [{ status: 'done' }]);
});

test(`${b} work deferred behind the welcomes survives the process dying and is resumed without a second welcome`, async (t) => {
  const siyu = await startApp(t);
  const ch = await channel(siyu);
  const adds = await inboxAdds(siyu, ch.code, 40, 0, 'dur');
  // The first process: behind (40 at once), it sends the welcomes, then dies before the rest.
  const first = siyu.processor.withOptions({ deferLeaseMs: 0, onDeferred: () => void first.stop() });
  await first.sweep(100);
  await first.drain();
  const attempted = () => new Set(siyu.emulator!.callsTo(WELCOME).map((c) => String((c.body as { welcome_code: string }).welcome_code))).size;
  t.is(attempted(), 40);
  t.is(siyu.emulator!.welcomes.length, 40);
  t.is(Number((await siyu.db('customers').count({ n: '*' }))[0]!.n), 0, 'nothing else was done');
  const kept = await siyu.db('callback_events').whereNotNull('welcome').count({ n: '*' });
  t.is(Number(kept[0]!.n), 40, 'each outcome kept on its inbox row');

  // Restarted: the sweep resumes the rows once their lease is over.
  t.is(await siyu.processor.sweep(100), 40);
  t.is(siyu.emulator!.welcomes.length, 40, 'no welcome sent twice');
  for (const a of adds) {
    const view = await siyu.customers.view((await siyu.customers.findIdByExternalUserId(a.externalUserId))!);
    t.true(view.timeline.some((e) => e.kind === 'welcome_sent'));
  }
  t.deepEqual(await siyu.db('callback_events').distinct('status'), [{ status: 'done' }]);
});
