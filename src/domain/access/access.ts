import type { StaffRole } from '../staff/staff.service.js';

/** Who a mini-program request acts as, read from the staff row on every request. */
export interface Principal {
  staffId: number;
  wecomUserId: string;
  name: string;
  role: StaffRole;
  storeId: number | null;
}

/** Where a resource lives and whose it is (a customer's owner rep, a task's assignee). */
export interface Placement {
  storeId: number | null;
  ownerUserId: string | null;
}

/**
 * The rows a principal may read, as a filter a store turns into WHERE clauses:
 * hq_admin everything, store_manager their store, rep what they own.
 */
export type QueryScope = { kind: 'all' } | { kind: 'store'; storeId: number } | { kind: 'owner'; ownerUserId: string };

/** A store manager without a store sees nothing, rather than everything. */
const NO_STORE = -1;

export function queryScope(p: Principal): QueryScope {
  if (p.role === 'hq_admin') return { kind: 'all' };
  if (p.role === 'store_manager') return { kind: 'store', storeId: p.storeId ?? NO_STORE };
  return { kind: 'owner', ownerUserId: p.wecomUserId };
}

/** Whether the principal may see this resource. Callers answer "not found" when not. */
export function canSee(p: Principal, r: Placement): boolean {
  const s = queryScope(p);
  if (s.kind === 'all') return true;
  if (s.kind === 'store') return r.storeId === s.storeId;
  return r.ownerUserId === s.ownerUserId;
}

/**
 * Whether the principal may see a resource several reps share (a channel routes to many):
 * a rep sees it when they are one of them; stores and HQ as for any placement.
 */
export function canSeeShared(p: Principal, r: { storeId: number | null; userIds: readonly string[] }): boolean {
  const s = queryScope(p);
  if (s.kind === 'owner') return r.userIds.includes(s.ownerUserId);
  return canSee(p, { storeId: r.storeId, ownerUserId: null });
}

/** Actions gated by role rather than by placement (answered 403: the role is no secret). */
export type Permission = 'customer.revealPhone' | 'task.listStore' | 'channel.create' | 'channel.pause' | PersonalDataPermission | MpReportPermission;

/** A person's rights (erasure, access export) and merges, which act on a person across stores. */
export type PersonalDataPermission = 'customer.erase' | 'customer.exportData' | 'customer.merge';

/** Journeys, exports and the audit log (the mini-program's reports part). */
export type MpReportPermission = 'journey.edit' | 'export.csv' | 'audit.read';

const GRANTS: Record<Permission, readonly StaffRole[]> = {
  'customer.revealPhone': ['hq_admin', 'store_manager'],
  'task.listStore': ['hq_admin', 'store_manager'],
  // A store manager creates only in their own store (checked where the store is chosen).
  'channel.create': ['hq_admin', 'store_manager'],
  'channel.pause': ['hq_admin', 'store_manager'],
  'journey.edit': ['hq_admin', 'store_manager'],
  'export.csv': ['hq_admin', 'store_manager'],
  'audit.read': ['hq_admin'],
  // A person may be known to several stores (merged records), so only HQ acts on the whole person.
  'customer.erase': ['hq_admin'],
  'customer.exportData': ['hq_admin'],
  'customer.merge': ['hq_admin'],
};

export function may(p: Principal, perm: Permission): boolean {
  return GRANTS[perm].includes(p.role);
}
