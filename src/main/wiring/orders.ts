import { OrderService } from '../../domain/order/order.service.js';
import { SegmentService } from '../../domain/segment/segment.service.js';
import { TTL } from '../../shared/cache-keys.js';
import { OrderStore, orderTransactor } from '../../store/order.store.js';
import { ReactivationStore } from '../../store/reactivation.store.js';
import { RfmStore } from '../../store/rfm.store.js';
import type { ChannelParts } from './channels.js';
import type { JourneyParts } from './journeys.js';
import type { Platform } from './platform.js';

/**
 * Orders from the POS API, WeChat Pay, operators and CSV (domain/order), and what is computed
 * from them: nightly RFM scores, segments and dormant reactivation (domain/segment).
 */
export function wireOrders(p: Platform, c: ChannelParts, j: JourneyParts) {
  const { db, cache, keys, clock, log, config } = p;
  const orderStore = new OrderStore(db);
  const orders = new OrderService({
    tx: orderTransactor(db),
    people: c.people,
    orders: orderStore,
    sources: orderStore,
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
  const rfm = new RfmStore(db);
  const reactivation = new ReactivationStore(db);
  const segments = { service: new SegmentService({ rfm, reactivation }), rfm, reactivation };
  return { orders, segments };
}

export type OrderParts = ReturnType<typeof wireOrders>;
