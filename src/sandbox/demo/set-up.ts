import { runReactivation } from '../../jobs/reactivation.job.js';
import { runRfmNightly } from '../../jobs/rfm-nightly.job.js';
import type { Siyu } from '../../main/compose.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { SANDBOX_STAFF } from '../sandbox-mode.js';
import { posClient, type AdminApi } from './http-clients.js';
import { BUILDINGS, DEMO_BATCH_KEY, DEMO_HQ_USERID, DEMO_STORE_CODE, ELEVATORS, type DemoChannel } from './world.js';

/** The demo store as an operator would set it up through the admin API: staff, bot rules, a POS source, the elevator channels. */
export async function setUpDemoStore(siyu: Siyu, api: AdminApi, now: () => number): Promise<{ storeId: number; pos: ReturnType<typeof posClient>; channels: DemoChannel[] }> {
  const storeId = Number((await api.post('/api/stores', { code: DEMO_STORE_CODE, name: '思域示范店' })).id);
  await siyu.journeys.service.ensureDefaults();
  const repNames = ['店员小王', '店员小李', '店员小张'];
  for (const [i, rep] of SANDBOX_STAFF.entries()) await api.post('/api/staff', { wecomUserId: rep, name: repNames[i] ?? rep, storeId, role: 'rep' });
  await api.post('/api/staff', { wecomUserId: DEMO_HQ_USERID, name: '总部运营（演示）', storeId: null, role: 'hq_admin' });
  const rule = (body: Record<string, unknown>) => api.post('/api/bot/rules', { scope: 'dm', matchKind: 'contains', storeId, ...body });
  await rule({ name: '问候', pattern: '你好', reply: '{name}您好！我是思域示范店的小助手，回复「营业时间」「地址」「优惠」了解更多。' });
  await rule({ name: '营业时间', pattern: '营业时间', reply: '{name}您好，门店每天 10:00-22:00 营业。' });
  await rule({ name: '地址', pattern: '地址', reply: '门店在人民路 88 号 1 层，地铁 2 号线人民路站 C 口。' });
  await rule({ name: '优惠', pattern: '优惠', reply: '本月到店消费满 200 减 30，出示本聊天即可。' });
  await rule({ name: '转人工', pattern: '人工', action: 'handoff', priority: 10, reply: '正在为您转接店员。' });
  const source = await api.post('/api/order-sources', { key: 'demo-pos', name: '门店收银（演示）', storeId });
  const pos = posClient(siyu.url!, 'demo-pos', source.secret as string, () => Math.floor(now() / 1000));
  const batch = await api.post('/api/channels/batch', {
    batchKey: DEMO_BATCH_KEY,
    namePattern: '电梯-{楼栋}-{电梯}',
    dimensions: { 楼栋: BUILDINGS, 电梯: ELEVATORS },
    kind: 'elevator',
    storeId,
    staffUserIds: SANDBOX_STAFF,
    welcomeText: '您好{name}，欢迎关注思域示范店！回复「营业时间」「地址」「优惠」了解更多。',
    tags: ['活动:电梯广告'],
  });
  const channels = (batch.items as DemoChannel[]).map((c) => ({ id: c.id, code: c.code, configId: c.configId, name: c.name }));
  return { storeId, pos, channels };
}

/** The 02:30 job, as the jobs role runs it. */
export function nightlyRfm(siyu: Siyu, clock: Clock, log: Logger) {
  return runRfmNightly({ now: clock.now(), rfm: siyu.segments.rfm, clock, log });
}

/** The 03:30 job, as the jobs role runs it; the holdout draws from the demo's seeded generator. */
export function nightlyReactivation(siyu: Siyu, clock: Clock, rng: () => number, log: Logger) {
  return runReactivation({
    now: clock.now(),
    repo: siyu.segments.reactivation,
    journeys: siyu.journeys.service,
    dormantDays: siyu.config.journeys.dormantDays,
    holdoutPct: siyu.config.journeys.holdoutPct,
    rng,
    log,
  });
}
