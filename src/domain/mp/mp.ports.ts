import type { QueryScope } from '../access/access.js';
import type { Task } from '../task/task.types.js';

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

export type MpTask = Task & { customerName: string | null };

/** What the mini-program reads, always through a QueryScope; ids outside it read as absent. */
export interface MpRepo {
  listCustomers(scope: QueryScope, f: CustomerFilter): Promise<{ items: MpCustomerRow[]; total: number }>;
  /** Placement and phone of one live (not merged) customer. */
  findCustomerPlacement(id: number): Promise<{ id: number; storeId: number | null; ownerUserId: string | null; phoneEnc: string | null } | undefined>;
  listOpenTasks(scope: QueryScope, page: { limit: number; offset: number }): Promise<{ items: MpTask[]; total: number }>;
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
