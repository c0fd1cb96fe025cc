import type { QueryScope } from '../access/access.js';
import type { Task } from '../task/task.types.js';
import type { ExportOrderRow, OrderExportFilter } from './mp-reports.ports.js';

export interface MpCustomerRow {
  id: number;
  name: string;
  stage: string;
  storeId: number | null;
  ownerUserId: string | null;
  phoneEnc: string | null;
  tags: string[];
}

export interface CustomerFilter {
  /** Name fragment, or the last four digits of the phone (手机尾号). */
  q?: string;
  tag?: string;
  stage?: string;
  /** RFM segment code of the latest nightly run (e.g. important_value). */
  segment?: string;
  /** Customers who came through the channel: first attributed to it, or added a rep through it. */
  channelId?: number;
  storeId?: number;
  limit: number;
  offset: number;
}

/** Where a keyset page starts: strictly after this row of the list's order. */
export interface CustomerPage {
  limit: number;
  offset: number;
  /** Newest first: only customers with a smaller id (the cursor's last row). */
  beforeId?: number;
  /** Count matching rows up to this many plus one (the caller decides what a capped total reads as). */
  countCap: number;
}

export interface TaskPage {
  limit: number;
  offset: number;
  /** Soonest due first, ties by id: only tasks after this (dueAt, id). */
  after?: { dueAt: number; id: number };
  countCap: number;
}

/** One page of a list: its rows, whether more follow, and the matching rows counted up to countCap + 1. */
export interface ListSlice<T> {
  items: T[];
  more: boolean;
  counted: number;
}

export type MpTask = Task & { customerName: string | null };

/** What the mini-program reads, always through a QueryScope; ids outside it read as absent. */
export interface MpRepo {
  listCustomers(scope: QueryScope, f: Omit<CustomerFilter, 'limit' | 'offset'>, page: CustomerPage): Promise<ListSlice<MpCustomerRow>>;
  /** Placement and phone of one live (not merged) customer. */
  findCustomerPlacement(id: number): Promise<{ id: number; storeId: number | null; ownerUserId: string | null; phoneEnc: string | null } | undefined>;
  listOpenTasks(scope: QueryScope, page: TaskPage): Promise<ListSlice<MpTask>>;
  findTask(id: number): Promise<MpTask | undefined>;
  /** Marks an open task done; false when it is no longer open. */
  completeTask(id: number, outcome: string, now: number): Promise<boolean>;
}

export interface AuditEntry {
  staffId: number;
  action: string;
  targetType: string;
  targetId: string;
  at: number;
  ipHash: string | null;
  detail: Record<string, unknown>;
}

export interface AuditRepo {
  insertAudit(e: AuditEntry): Promise<void>;
}

/** Orders for the CSV export, newest first (id desc), a batch at a time by key. */
export interface OrderExportRepo {
  pageOrdersForExport(scope: QueryScope, f: OrderExportFilter, page: { limit: number; beforeId?: number; countCap: number }): Promise<ListSlice<ExportOrderRow>>;
}
