import test from 'ava';
import { startEmulator } from './emulator-harness.js';

test("past the corp's per-API limit in a minute WeCom answers 45009 until the next minute; other APIs are counted apart", async (t) => {
  const h = await startEmulator(t, { ratePerMinute: 3 });
  h.clock.set(Date.UTC(2026, 11, 7, 22, 0, 0));
  h.em.addEmployee('rep001');
  const list = () => h.post('/cgi-bin/externalcontact/get_corp_tag_list', {});
  for (let i = 0; i < 3; i++) t.is((await list()).errcode, 0);
  t.is((await list()).errcode, 45009);
  t.is((await h.get('/cgi-bin/externalcontact/get_follow_user_list')).errcode, 0, 'a different API has its own count');
  h.clock.advance(60_000);
  t.is((await list()).errcode, 0, 'a new minute');
});

test('without ratePerMinute there is no limit', async (t) => {
  const h = await startEmulator(t);
  for (let i = 0; i < 20; i++) t.is((await h.post('/cgi-bin/externalcontact/get_corp_tag_list', {})).errcode, 0);
});
