import type { JourneyService } from '../domain/journey/journey.service.js';
import { recordEntries } from '../domain/segment/reactivation.service.js';
import type { ReactivationRepo } from '../domain/segment/segment.ports.js';
import type { Logger } from '../shared/logger.js';
import { shanghaiDay } from '../shared/shanghai-time.js';

export interface ReactivationResult {
  runId: number;
  treated: number;
  holdout: number;
  entered: number;
}

/**
 * The daily reactivation: dormant customers of every store (no purchase and no message for
 * `dormantDays`, not opted out, not entered in the last 30 days) are split into a random
 * holdout and the treated rest; both are recorded (so lift can be measured), the treated enter
 * the `dormant` journeys (沉睡唤醒). The run id is the Asia/Shanghai day (YYYYMMDD): a rerun the
 * same day finds nobody new, since everyone entered is excluded for 30 days.
 */
export async function runReactivation(d: {
  now: number;
  repo: ReactivationRepo;
  journeys: Pick<JourneyService, 'trigger'>;
  dormantDays: number;
  holdoutPct: number;
  rng?: () => number;
  log?: Logger;
}): Promise<ReactivationResult> {
  const runId = shanghaiDay(d.now);
  const out: ReactivationResult = { runId, treated: 0, holdout: 0, entered: 0 };
  // One pass over all stores in id order: a pass per store re-read each store's customers
  // through its index (measured at 1M customers: 34 s against 2 s for one ordered pass).
  const r = await recordEntries(d.repo, {
    now: d.now,
    runId,
    dormantDays: d.dormantDays,
    holdoutPct: d.holdoutPct,
    rng: d.rng,
    touch: async (treated) => {
      for (const c of treated) out.entered += await d.journeys.trigger({ trigger: 'dormant', customerId: c.customerId, storeId: c.storeId, ref: `reactivation:${runId}`, at: d.now });
    },
  });
  out.treated = r.treated;
  out.holdout = r.holdout;
  d.log?.info({ runId, ...r }, 'reactivation done');
  return out;
}
