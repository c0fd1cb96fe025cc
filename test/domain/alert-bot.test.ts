import test from 'ava';
import { scheduleOf } from '../../src/jobs/schedule.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { ManualClock } from '../../src/shared/clock.js';
import { backendName } from '../support/backends.js';
import { startBotWorld } from '../support/bot.js';
import { ADMIN, MINUTE, noticesOf, startAlertApp } from '../support/alerts.js';

const b = `[${backendName}]`;
const TITLE = '机器人账号 default 不在线';
const count = (list: string[], prefix: string) => list.filter((x) => x.startsWith(prefix) && x.includes(TITLE)).length;

test(`${b} a bot logged out through the puppet fires after the grace period and recovers on re-login`, async (t) => {
  const clock = new ManualClock();
  const w = await startBotWorld(t, { options: { clock }, overrides: { alerts: { rules: { botLoggedOut: { graceMin: 5, heartbeatStaleMin: 600 } } } } });
  const { alerts, botStatus } = w.siyu.monitoring;
  // The bot reports asynchronously (a cache write), so wait for it to land.
  t.like(await w.until(async () => (await botStatus.read('default'))?.state === 'logged_in' && botStatus.read('default')), { state: 'logged_in' });

  await w.role.runtime.bot.logout();
  await w.until(async () => (await botStatus.read('default'))?.state === 'logged_out' || undefined);
  clock.advance(5 * MINUTE - 1);
  await alerts.evaluate();
  t.is(count(noticesOf(w.siyu), '【告警】'), 0, 'inside the grace period');
  clock.advance(1);
  await alerts.evaluate();
  await alerts.evaluate();
  t.is(count(noticesOf(w.siyu), '【告警】'), 1);
  t.true(noticesOf(w.siyu).some((x) => x.includes('状态为「已退出登录」已 5 分钟')));

  w.mocker.login(w.me);
  await w.until(async () => (await botStatus.read('default'))?.state === 'logged_in' || undefined);
  await alerts.evaluate();
  t.is(count(noticesOf(w.siyu), '【恢复】'), 1);
  t.true(w.siyu.emulator!.appMessages.every((m) => m.userid === ADMIN));
});

test(`${b} a bot process that stops reporting fires even though its last state was logged in`, async (t) => {
  const clock = new ManualClock();
  const w = await startBotWorld(t, { options: { clock } });
  await w.role.close();
  clock.advance(w.siyu.config.alerts.rules.botLoggedOut.heartbeatStaleMin * MINUTE);
  await w.siyu.monitoring.alerts.evaluate();
  t.true(noticesOf(w.siyu).some((x) => x.startsWith('【告警】') && x.includes('没有上报状态')));
});

test(`${b} the scheduler records each job's runs where the job_stale rule reads them`, async (t) => {
  const { siyu, clock } = await startAlertApp(t);
  const w = { siyu, until: async <T>(check: () => Promise<T | undefined>) => { for (;;) { const v = await check(); if (v) return v; await new Promise((r) => setTimeout(r, 50)); } } };
  let fail = false;
  const scheduler = startScheduler(
    [{ name: 'probe', cron: '* * * * * *', everyMs: 1000, run: async () => { if (fail) throw new Error('probe broke'); return { ok: true }; } }],
    w.siyu.log,
    w.siyu.metrics,
    { runs: w.siyu.monitoring.jobRuns, now: () => clock.now() },
  );
  t.teardown(() => scheduler.stop());
  const ok = await w.until(async () => (await w.siyu.monitoring.jobRuns.listRuns(['probe'])).find((r) => r.lastOkAt !== null));
  t.like(ok, { registeredAt: clock.now(), lastOkAt: clock.now(), lastFailedAt: null });
  fail = true;
  clock.advance(MINUTE);
  const failed = await w.until(async () => (await w.siyu.monitoring.jobRuns.listRuns(['probe'])).find((r) => r.lastFailedAt !== null));
  t.like(failed, { lastOkAt: clock.now() - MINUTE, lastFailedAt: clock.now(), lastError: 'probe broke' });
});

test(`${b} the schedule evaluates alerts under its lock, knowing each job's interval; disabled, it is not scheduled`, async (t) => {
  const { siyu, clock, notices } = await startAlertApp(t);
  const schedule = scheduleOf(siyu);
  t.is(schedule.at(-1)!.name, 'alerts-evaluate');
  t.is(schedule.at(-1)!.everyMs, MINUTE);
  await siyu.monitoring.jobRuns.register(schedule.map((j) => j.name), clock.now());
  clock.advance(13 * MINUTE);
  const evaluate = schedule.at(-1)!;
  t.like(await evaluate.guard!(evaluate.run), { ran: true });
  const stale = notices().filter((x) => x.startsWith('【告警】定时任务')).map((x) => /定时任务 (\S+) 未按时运行/.exec(x)![1]).sort();
  t.deepEqual(stale, schedule.filter((j) => j.everyMs! <= MINUTE).map((j) => j.name).sort());
  t.false(stale.includes('rfm-nightly'));

  const { siyu: off } = await startAlertApp(t, { enabled: false });
  t.false(scheduleOf(off).some((j) => j.name === 'alerts-evaluate'));
});
