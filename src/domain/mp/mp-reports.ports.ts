import type { QueryScope } from '../access/access.js';
import type { Segment } from '../segment/rfm.js';
import type { AuditEntry } from './mp.ports.js';

/** A period in UTC ms, [from, to). */
export interface Period {
  from: number;
  to: number;
}

/** Journey effect: runs entered (in the period) and what their touches did. */
export interface JourneyEffect {
  journeyId: number;
  entered: number;
  /** Touches that reached the customer (any rung of the ladder). */
  sent: number;
  /** Bot messages the outbox confirmed sent. */
  delivered: number;
  /** Customers who wrote after a touch was sent to them. */
  replied: number;
  /** Customers who paid an order within the conversion window after a touch was sent. */
  converted: number;
  skipped: number;
}

export interface LtvRow {
  channelId: number | null;
  channelName: string | null;
  customers: number;
  orders: number;
  revenueFen: number;
}

export interface ExportOrderRow {
  id: number;
  orderNo: string;
  source: string;
  customerId: number;
  customerName: string | null;
  storeId: number | null;
  amountFen: number;
  paidAt: number;
  status: string;
}

export interface OrderExportFilter {
  customerId?: number;
  /** paid_at within, UTC ms. */
  period?: Period;
}

/** An audit entry as read back, with the staff member's name. */
export type AuditRow = AuditEntry & { id: number; staffName: string | null };

/**
 * The mini-program's report queries. Every one takes the principal's QueryScope: `store`
 * filters on the rows' store, `owner` on the owner rep of the customer each row is about.
 */
export interface MpReportRepo {
  /** Per journey; with a period, only runs entered in it (and their touches). Journeys without runs are absent. */
  journeyEffects(scope: QueryScope, period: Period | undefined, convertDays: number): Promise<JourneyEffect[]>;
  /** Current RFM scores per segment (non-zero cells only) and when the latest finished run ended. */
  rfmCounts(scope: QueryScope): Promise<{ asOf: number | null; counts: Array<{ segment: Segment; customers: number }> }>;
  /** NPS scores answered in the period, with the store of the answer. */
  npsScores(scope: QueryScope, period: Period): Promise<Array<{ storeId: number | null; score: number }>>;
  /** Customers created in the period by first channel, with all their paid orders so far. */
  ltvByFirstChannel(scope: QueryScope, period: Period): Promise<LtvRow[]>;
  /** Orders, newest first, one page. */
  listOrdersForExport(scope: QueryScope, f: OrderExportFilter, page: { limit: number; offset: number }): Promise<{ items: ExportOrderRow[]; total: number }>;
  /** Names people read in exports in place of codes: staff by WeCom userid, stores by id, order sources by key. */
  namesForExport(q: { staffUserIds: string[]; storeIds: number[]; sourceKeys: string[] }): Promise<{ staff: Map<string, string>; stores: Map<number, string>; sources: Map<string, string> }>;
  /** The audit log, newest first. */
  listAudit(page: { limit: number; offset: number }): Promise<{ items: AuditRow[]; total: number }>;
}
