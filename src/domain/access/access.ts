import { AppError, notFound } from '../../shared/errors.js';
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

/**
 * The caller's scope narrowed to one store they asked for: HQ may pick any store, a manager or
 * a rep only their own (a rep stays limited to what they own). `undefined` means the store is
 * outside the caller's scope, which callers answer as "not found" (see `hidden`).
 */
export function scopeForStore(p: Principal, storeId: number | undefined): QueryScope | undefined {
  const own = queryScope(p);
  if (storeId === undefined) return own;
  if (own.kind === 'all') return { kind: 'store', storeId };
  return storeId === p.storeId ? own : undefined;
}

/** Which stores a principal may list: HQ all, anyone else their own (or none without a store). */
export function visibleStores(p: Principal): { kind: 'all' } | { kind: 'one'; storeId: number } | { kind: 'none' } {
  if (p.role === 'hq_admin') return { kind: 'all' };
  return p.storeId === null ? { kind: 'none' } : { kind: 'one', storeId: p.storeId };
}

/** Whether the principal may choose any store for something they create (HQ), or only their own. */
export function mayChooseAnyStore(p: Principal): boolean {
  return p.role === 'hq_admin';
}

/** Journeys of no store (the chain's) are visible to everyone; a store's only inside that store and to HQ. */
export function canSeeJourney(p: Principal, j: { storeId: number | null }): boolean {
  return p.role === 'hq_admin' || j.storeId === null || j.storeId === p.storeId;
}

/** HQ edits every journey; a manager only their own store's (the chain's journeys are HQ's). */
export function canEditJourney(p: Principal, j: { storeId: number | null }): boolean {
  if (p.role === 'hq_admin') return true;
  return p.role === 'store_manager' && j.storeId !== null && j.storeId === p.storeId;
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

/**
 * Out of scope reads as missing (404): a caller learns nothing about ids outside their scope.
 * Role-gated actions answer 403 instead (requirePermission): which role someone has is no secret.
 */
export const hidden = () => notFound('MP.NOT_FOUND', '记录不存在');

export function requirePermission(p: Principal, perm: Permission): void {
  if (!may(p, perm)) throw new AppError('MP.FORBIDDEN', '当前角色无权执行此操作', { status: 403 });
}

/** The resource when the principal may see it, else MP.NOT_FOUND (404), so ids reveal nothing. */
export function requireVisible<T extends Placement>(p: Principal, r: T | undefined): T {
  if (!r || !canSee(p, r)) throw hidden();
  return r;
}

/**
 * The scope for a request that may name one store: see scopeForStore. HQ naming a store that
 * does not exist gets 404 like anyone naming a store outside their scope.
 */
export async function requireStoreScope(p: Principal, storeId: number | undefined, storeExists: (id: number) => Promise<boolean>): Promise<{ scope: QueryScope; storeId: number | undefined }> {
  const scope = scopeForStore(p, storeId);
  if (!scope || (storeId !== undefined && mayChooseAnyStore(p) && !(await storeExists(storeId)))) throw hidden();
  return { scope, storeId };
}
