import type { JourneyService } from '../domain/journey/journey.service.js';
import { recordEntries } from '../domain/segment/reactivation.service.js';
import type { ReactivationRepo } from '../domain/segment/segment.ports.js';
import type { Logger } from '../shared/logger.js';
import { shanghaiDay } from '../shared/shanghai-time.js';

export interface ReactivationResult {
  runId: number;
  stores: number;
  treated: number;
  holdout: number;
  entered: number;
}

/**
 * The daily reactivation: in every store, dormant customers (no purchase and no message for
 * `dormantDays`, not opted out, not entered in the last 30 days) are split into a random
 * holdout and the treated rest; both are recorded (so lift can be measured), the treated enter
 * the `dormant` journeys (沉睡唤醒). The run id is the Asia/Shanghai day (YYYYMMDD): a rerun the
 * same day finds nobody new, since everyone entered is excluded for 30 days.
 */
export async function runReactivation(d: {
  now: number;
  repo: ReactivationRepo;
  storeIds: () => Promise<number[]>;
  journeys: Pick<JourneyService, 'trigger'>;
  dormantDays: number;
  holdoutPct: number;
  rng?: () => number;
  log?: Logger;
}): Promise<ReactivationResult> {
  const runId = shanghaiDay(d.now);
  const out: ReactivationResult = { runId, stores: 0, treated: 0, holdout: 0, entered: 0 };
  for (const storeId of await d.storeIds()) {
    const r = await recordEntries(d.repo, {
      storeId,
      now: d.now,
      runId,
      dormantDays: d.dormantDays,
      holdoutPct: d.holdoutPct,
      rng: d.rng,
      touch: async (treated) => {
        for (const c of treated) out.entered += await d.journeys.trigger({ trigger: 'dormant', customerId: c.customerId, storeId, ref: `reactivation:${runId}`, at: d.now });
      },
    });
    out.stores++;
    out.treated += r.treated;
    out.holdout += r.holdout;
    d.log?.info({ runId, storeId, ...r }, 'reactivation: store done');
  }
  return out;
}
