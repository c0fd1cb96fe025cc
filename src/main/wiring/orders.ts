import { OrderService } from '../../domain/order/order.service.js';
import { SegmentService } from '../../domain/segment/segment.service.js';
import { TTL } from '../../shared/cache-keys.js';
import { SqlOrderRepo, orderTransactor } from '../../persistence/order.repo.js';
import { SqlReactivationRepo } from '../../persistence/reactivation.repo.js';
import { SqlRfmRepo } from '../../persistence/rfm.repo.js';
import type { ChannelParts } from './channels.js';
import type { JourneyParts } from './journeys.js';
import type { Platform } from './platform.js';

/**
 * Orders from the POS API, WeChat Pay, operators and CSV (domain/order), and what is computed
 * from them: nightly RFM scores, segments and dormant reactivation (domain/segment).
 */
export function wireOrders(p: Platform, c: ChannelParts, j: JourneyParts) {
  const { db, cache, keys, clock, log, config } = p;
  const orderRepo = new SqlOrderRepo(db);
  const orders = new OrderService({
    tx: orderTransactor(db),
    people: c.people,
    orders: orderRepo,
    sources: orderRepo,
    tags: c.tags,
    pii: c.pii,
    nonces: { spend: (source, nonce) => cache.setIfAbsent(keys.orderNonce(source, nonce), '1', TTL.orderNonceMs) },
    storeExists: c.storeExists,
    corpId: config.wecom.corpId,
    clock,
    log: log.child({ module: 'orders' }),
    // Which orders start journeys is decided in domain/journey/order-entry.ts.
    onPaid: async (o) => void (await j.journeys.service.orderPaid(o)),
  });
  const rfm = new SqlRfmRepo(db);
  const reactivation = new SqlReactivationRepo(db);
  const segments = { service: new SegmentService({ rfm, reactivation }), rfm, reactivation };
  return { orders, segments };
}

export type OrderParts = ReturnType<typeof wireOrders>;
