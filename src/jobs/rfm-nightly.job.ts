import type { Segment } from '../domain/segment/rfm.js';
import type { RfmRepo } from '../domain/segment/segment.ports.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

export interface RfmNightlyResult {
  runId: number;
  stores: number;
  /** Customers scored in this run. */
  scored: number;
  /** Customers whose segment changed (including those scored for the first time). */
  changed: number;
  /** Customers scored before but not now (merged, no longer any order, store removed). */
  left: number;
  segments: Record<Segment, number>;
  ms: number;
}

/** Stores scored per transaction unless told otherwise; see {@link runRfmNightly}. */
export const RFM_STORES_PER_BATCH = 100;

/**
 * The nightly RFM recompute: scores every store's customers as of `now`, a batch of stores per
 * transaction, writing only the scores that changed (and a history row per segment change);
 * customers no longer scored leave with their store's batch. Batches keep each transaction and
 * each window-function sort bounded (a store's customers, not the whole table); all work happens
 * in SQL, so memory does not grow with the number of customers.
 *
 * Restartable: a failed batch rolls back whole and fails the run (left unfinished, which the
 * reports ignore); the next run scores everything again, and since the batches that had
 * committed already wrote their changes, it finds them unchanged and writes nothing twice.
 */
export async function runRfmNightly(d: { now: number; rfm: RfmRepo; clock: Clock; log?: Logger; storesPerBatch?: number }): Promise<RfmNightlyResult> {
  const started = d.clock.now();
  const runId = await d.rfm.startRun(d.now);
  const storeIds = await d.rfm.listStoreIds();
  const per = Math.max(1, d.storesPerBatch ?? RFM_STORES_PER_BATCH);
  let scored = 0;
  let changed = 0;
  let left = 0;
  for (let i = 0; i < storeIds.length; i += per) {
    const r = await d.rfm.scoreStores(runId, d.now, storeIds.slice(i, i + per));
    scored += r.scored;
    changed += r.changed;
    left += r.left;
    d.log?.debug({ runId, storesDone: Math.min(i + per, storeIds.length), stores: storeIds.length, scored, changed }, 'rfm progress');
  }
  const fin = await d.rfm.finishRun(runId, d.clock.now());
  left += fin.left;
  const out: RfmNightlyResult = { runId, stores: storeIds.length, scored, changed, left, segments: fin.counts.total, ms: d.clock.now() - started };
  d.log?.info({ runId, stores: out.stores, scored: out.scored, changed, left, ms: out.ms }, 'rfm run finished');
  return out;
}
