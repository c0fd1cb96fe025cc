/**
 * Journey dispatcher throughput: N customers enter a one-step marketing journey; one engine
 * ticks until every touch is delivered through the WeCom rung (add_msg_template to the
 * emulator over loopback, the owner rep's relationship seeded), frequency caps, quiet hours
 * and opt-out checked per touch. In-process, on a fresh database.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/config.js';
import { createSiyu } from '../src/main/compose.js';
import { ManualClock } from '../src/shared/clock.js';
import { createLogger } from '../src/shared/logger.js';
import type { Result } from './lib.js';

export async function journeyDispatch(o: { db: { mysqlUrl?: string; sqliteFile: string }; redisUrl?: string; customers: number }): Promise<Result> {
  // 10:00 Asia/Shanghai, outside quiet hours; the clock stays put so every touch is due.
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 2, 0, 0));
  const config = loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: {
      db: { sqliteFile: o.db.sqliteFile, ...(o.db.mysqlUrl ? { mysqlUrl: o.db.mysqlUrl } : {}), poolMax: 10 },
      cache: { prefix: `siyu:bench:${randomBytes(4).toString('hex')}:`, ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}) },
      wecom: { ratePerMinute: 100000 },
      journeys: { batch: 500 },
    },
  });
  const siyu = await createSiyu(config, { migrate: true, clock, log: createLogger({ level: 'silent' }) });
  try {
    const now = clock.now();
    const j = await siyu.journeys.service.create({ storeId: null, name: 'bench', trigger: 'tag_added', triggerArg: 'bench', steps: [{ type: 'send', text: '{name}您好，新品上架' }], goal: null, reentry: 'always', reentryDays: null, enabled: true });
    const rows = Array.from({ length: o.customers }, (_, i) => ({ name: `客户${i}`, stage: 'new', gender: 0, opted_out: false, owner_userid: 'rep001', create_ref: `b${i}-${randomBytes(3).toString('hex')}`, created_at: now, updated_at: now }));
    for (let i = 0; i < rows.length; i += 500) await siyu.db('customers').insert(rows.slice(i, i + 500));
    const ids = (await siyu.db('customers').orderBy('id').pluck('id')).map(Number);
    const idents = ids.map((id) => ({ customer_id: id, kind: 'wecom_external', scope: config.wecom.corpId, value: `wmbench${id}`, created_at: now }));
    for (let i = 0; i < idents.length; i += 500) await siyu.db('customer_identities').insert(idents.slice(i, i + 500));
    for (const id of ids) siyu.emulator!.addRelationship('rep001', `wmbench${id}`);
    for (const id of ids) await siyu.journeys.service.trigger({ trigger: 'tag_added', arg: 'bench', customerId: id, storeId: null, ref: 'bench', at: now });
    // Runs → touches (not measured): the dispatcher is what is measured.
    const counts = { runsAdvanced: 0, touchesCreated: 0, sent: 0, skipped: 0, deferred: 0, failed: 0 };
    while ((await siyu.journeys.engine.advanceDue(counts)) > 0);
    const started = process.hrtime.bigint();
    while ((await siyu.journeys.engine.dispatchDue(counts)) > 0);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const byChannel = await siyu.db('touches').where({ journey_id: j.id }).groupBy('channel').select('channel').count({ n: '*' });
    return {
      scenario: `journey dispatcher: ${o.customers} marketing touches → WeCom add_msg_template (emulator), caps checked`,
      rps: counts.sent / seconds,
      unit: 'touches/s',
      p50: NaN,
      p99: NaN,
      non2xx: 0,
      errors: counts.failed,
      extra: { 'touches/s': counts.sent / seconds, sent: counts.sent, skipped: counts.skipped, 'target touches/s': 500, channels: JSON.stringify(Object.fromEntries(byChannel.map((r: any) => [r.channel, Number(r.n)]))) },
    };
  } finally {
    await siyu.close();
  }
}
