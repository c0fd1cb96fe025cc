import { AppError, conflict, notFound } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { canSee, may, queryScope, type Permission, type Placement, type Principal, type QueryScope } from '../access/access.js';
import type { CustomerService } from '../customer/customer.service.js';
import type { AuditRepo, CustomerFilter, MpRepo, MpTask } from './mp.ports.js';

export const TIMELINE_LIMIT = 50;

const hidden = () => notFound('MP.NOT_FOUND', '记录不存在');

/** Role-gated actions answer 403: which role someone has is no secret, which ids exist is. */
export function requirePermission(p: Principal, perm: Permission): void {
  if (!may(p, perm)) throw new AppError('MP.FORBIDDEN', '当前角色无权执行此操作', { status: 403 });
}

/** Throws MP.NOT_FOUND (404) for a resource the principal may not see, so ids reveal nothing. */
export function requireVisible<T extends Placement>(p: Principal, r: T | undefined): T {
  if (!r || !canSee(p, r)) throw hidden();
  return r;
}

/**
 * A store id a caller filters by: HQ any existing store, everyone else only their own; any other
 * id reads as missing (404), like any id outside the caller's scope.
 */
export async function storeFilter(p: Principal, storeId: number | undefined, storeExists: (id: number) => Promise<boolean>): Promise<number | undefined> {
  if (storeId === undefined) return undefined;
  if (p.role === 'hq_admin' ? !(await storeExists(storeId)) : storeId !== p.storeId) throw hidden();
  return storeId;
}

/**
 * What the store operators' mini-program reads and does, scoped by the principal: every list
 * goes through queryScope, every id through requireVisible.
 */
export class MpService {
  constructor(
    private readonly d: {
      repo: MpRepo;
      audit: AuditRepo;
      customers: CustomerService;
      phones: { mask(enc: string): string; reveal(enc: string): string };
      storeExists(id: number): Promise<boolean>;
      /** The store's name people read (我的 shows it instead of the store's number); undefined when unknown. */
      storeName?(id: number): Promise<string | undefined>;
      clock: Clock;
    },
  ) {}

  /** Who is signed in, with their store's name (null for HQ, who sees every store). */
  async me(p: Principal) {
    const storeName = p.storeId === null ? null : ((await this.d.storeName?.(p.storeId)) ?? null);
    return { staffId: p.staffId, wecomUserId: p.wecomUserId, name: p.name, role: p.role, storeId: p.storeId, storeName };
  }

  /** Customers in the caller's scope; a store filter outside it reads as missing. */
  async listCustomers(p: Principal, f: CustomerFilter) {
    const storeId = await storeFilter(p, f.storeId, this.d.storeExists);
    const { items, total } = await this.d.repo.listCustomers(queryScope(p), { ...f, storeId });
    return { items: items.map(({ phoneEnc, ...c }) => ({ ...c, phoneMasked: phoneEnc ? this.d.phones.mask(phoneEnc) : null })), total };
  }

  async customer(p: Principal, id: number) {
    const placed = requireVisible(p, await this.d.repo.findCustomerPlacement(id));
    const view = await this.d.customers.view(id, TIMELINE_LIMIT);
    return { ...view, phoneMasked: placed.phoneEnc ? this.d.phones.mask(placed.phoneEnc) : null };
  }

  /** The full phone number, written to the audit log before it is returned. */
  async revealPhone(p: Principal, id: number, ipHash: string | null): Promise<string> {
    requirePermission(p, 'customer.revealPhone');
    const placed = requireVisible(p, await this.d.repo.findCustomerPlacement(id));
    if (!placed.phoneEnc) throw notFound('MP.PHONE_NOT_FOUND', '该客户未留手机号');
    const phone = this.d.phones.reveal(placed.phoneEnc);
    await this.d.audit.insertAudit({ staffId: p.staffId, action: 'customer.reveal_phone', targetType: 'customer', targetId: String(id), at: this.d.clock.now(), ipHash, detail: { role: p.role, storeId: p.storeId } });
    return phone;
  }

  async listTasks(p: Principal, scope: 'mine' | 'store', page: { limit: number; offset: number }) {
    let q: QueryScope = { kind: 'owner', ownerUserId: p.wecomUserId };
    if (scope === 'store') {
      requirePermission(p, 'task.listStore');
      q = queryScope(p);
    }
    return this.d.repo.listOpenTasks(q, page);
  }

  async completeTask(p: Principal, id: number, outcome: string): Promise<MpTask> {
    const task = await this.d.repo.findTask(id);
    requireVisible(p, task && { storeId: task.storeId, ownerUserId: task.staffUserId });
    if (!(await this.d.repo.completeTask(id, outcome, this.d.clock.now()))) throw conflict('MP.TASK_CLOSED', '任务已完成或已取消');
    return (await this.d.repo.findTask(id))!;
  }
}
