import test from 'ava';
import { types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { startBotRole } from '../../src/main/bot-role.js';
import { startBotWorld } from '../support/bot.js';

test('a second bot process for the same account is refused and says why', async (t) => {
  const w = await startBotWorld(t);
  const err = await t.throwsAsync(startBotRole(w.siyu, { puppet: new PuppetMock({ mocker: new mock.Mocker() }), lockWaitMs: 0 }));
  t.is((err as { code?: string }).code, 'BOT.ALREADY_RUNNING');
  t.regex(err!.message, /another bot process already runs account "default"/);
  // The first one is unaffected.
  t.true(w.role.runtime.bot.isLoggedIn);
});

test('logout, the login scan and re-login are exported and told to admins by WeCom app message', async (t) => {
  const w = await startBotWorld(t);
  const gauge = async () => (await w.siyu.metrics.registry.getSingleMetricAsString('siyu_bot_logged_in')).match(/account="default"} (\d)/)?.[1];
  t.is(await gauge(), '1');
  const toAdmin = () => w.siyu.emulator!.appMessages.filter((m) => m.userid === 'rep003').map((m) => JSON.stringify(m.payload));

  await w.role.runtime.bot.logout();
  await w.until(async () => (await gauge()) === '0' || undefined);
  await w.until(() => Promise.resolve(toAdmin().some((x) => x.includes('已退出登录'))));
  t.is(w.role.runtime.state(), 'logged_out');

  w.mocker.scan('https://login.example/qr/abc', types.ScanStatus.Waiting);
  await w.until(() => Promise.resolve(toAdmin().some((x) => x.includes('需要扫码登录') && x.includes('https://login.example/qr/abc'))));
  t.is(w.role.runtime.state(), 'waiting_scan');

  w.mocker.login(w.me);
  await w.until(async () => (await gauge()) === '1' || undefined);
  await w.until(() => Promise.resolve(toAdmin().some((x) => x.includes('已重新登录'))));
  // One product name wherever people read it: 思域, never 思语 or 私域.
  t.true(toAdmin().length >= 3 && toAdmin().every((x) => x.includes('【思域】')), toAdmin().join('\n'));
});
