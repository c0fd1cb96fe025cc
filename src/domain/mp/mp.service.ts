import { conflict, notFound } from '../../shared/errors.js';
import { decodeCursor, encodeCursor, filterKey, LIST_COUNT_CAP, noOffsetWithCursor, pageOf, type PageRequest } from '../../shared/cursor.js';
import type { Clock } from '../../shared/clock.js';
import { queryScope, requirePermission, requireStoreScope, requireVisible, type Principal, type QueryScope } from '../access/access.js';
import type { CustomerService } from '../customer/customer.service.js';
import type { AuditRepo, CustomerFilter, MpRepo, MpTask } from './mp.ports.js';
import { recordJourneyEvent, type TimelineSink } from '../journey/journey-timeline.js';

export const TIMELINE_LIMIT = 50;

export { LIST_COUNT_CAP };

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
      /** Task outcomes are written to the customer's timeline. */
      timeline: TimelineSink;
    },
  ) {}

  /** Who is signed in, with their store's name (null for HQ, who sees every store). */
  async me(p: Principal) {
    const storeName = p.storeId === null ? null : ((await this.d.storeName?.(p.storeId)) ?? null);
    return { staffId: p.staffId, wecomUserId: p.wecomUserId, name: p.name, role: p.role, storeId: p.storeId, storeName };
  }

  /**
   * Customers in the caller's scope, newest first; a store filter outside it reads as missing.
   * Pages by offset (kept for old clients) or by the opaque cursor of the previous page.
   */
  async listCustomers(p: Principal, f: CustomerFilter & { cursor?: string }, opts: { countCap?: number } = {}) {
    noOffsetWithCursor(f);
    const { storeId } = await requireStoreScope(p, f.storeId, this.d.storeExists);
    const { limit, offset, cursor, ...filters } = f;
    const key = filterKey({ ...filters, storeId });
    const beforeId = cursor === undefined ? undefined : decodeCursor('customers', key, cursor, 1)[0];
    const cap = opts.countCap ?? LIST_COUNT_CAP;
    const r = await this.d.repo.listCustomers(queryScope(p), { ...filters, storeId }, { limit, offset, beforeId, countCap: cap });
    const items = r.items.map(({ phoneEnc, ...c }) => ({ ...c, phoneMasked: phoneEnc ? this.d.phones.mask(phoneEnc) : null }));
    return pageOf(items, r.counted, cap, () => (r.more ? encodeCursor('customers', key, [items[items.length - 1]!.id]) : null));
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

  /** Open tasks, soonest due first; pages by offset or by the previous page's cursor. */
  async listTasks(p: Principal, scope: 'mine' | 'store', page: PageRequest) {
    noOffsetWithCursor(page);
    let q: QueryScope = { kind: 'owner', ownerUserId: p.wecomUserId };
    if (scope === 'store') {
      requirePermission(p, 'task.listStore');
      q = queryScope(p);
    }
    const key = filterKey({ scope });
    const after = page.cursor === undefined ? undefined : decodeCursor('tasks', key, page.cursor, 2);
    const r = await this.d.repo.listOpenTasks(q, { limit: page.limit, offset: page.offset, after: after && { dueAt: after[0]!, id: after[1]! }, countCap: LIST_COUNT_CAP });
    const last = r.items[r.items.length - 1];
    return pageOf(r.items, r.counted, LIST_COUNT_CAP, () => (r.more && last ? encodeCursor('tasks', key, [last.dueAt, last.id]) : null));
  }

  async completeTask(p: Principal, id: number, outcome: string): Promise<MpTask> {
    const task = await this.d.repo.findTask(id);
    requireVisible(p, task && { storeId: task.storeId, ownerUserId: task.staffUserId });
    const now = this.d.clock.now();
    if (!(await this.d.repo.completeTask(id, outcome, now))) throw conflict('MP.TASK_CLOSED', '任务已完成或已取消');
    const done = (await this.d.repo.findTask(id))!;
    await recordJourneyEvent(this.d.timeline, { kind: 'task_done', task: done, outcome: done.outcome ?? outcome, at: now });
    return done;
  }
}
