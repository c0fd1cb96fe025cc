import type { Clock } from '../../shared/clock.js';
import { conflict, notFound } from '../../shared/errors.js';
import type { Placement } from '../access/access.js';
import type { AuditRepo } from '../mp/mp.ports.js';
import { requireVisible } from '../access/access.js';
import type { CustomerRepo, Transactor } from './customer.ports.js';
import { actorOf, staffIdOf, type Requester } from './personal-data.service.js';

export interface OptOutTx {
  customers: CustomerRepo;
  audit: AuditRepo;
  placements: { findCustomerPlacement(id: number): Promise<(Placement & { id: number }) | undefined> };
}

/**
 * 退订 on the person's behalf (they told a rep, called the store): any staff member who may see
 * the customer (a rep their own, a manager their store, HQ all) or the admin API sets or clears
 * it, with a reason; the timeline and the audit log say who and why. What an opted-out person
 * still receives is decided in messaging-policy.ts, the same as for 退订 typed to the bot.
 */
export class OptOutService {
  constructor(private readonly d: { tx: Transactor<OptOutTx>; clock: Clock }) {}

  async set(who: Requester, customerId: number, optedOut: boolean, reason: string, ipHash: string | null): Promise<{ customerId: number; optedOut: boolean; changed: boolean }> {
    return this.d.tx.transaction(async ({ customers, audit, placements }) => {
      const placement = await placements.findCustomerPlacement(customerId);
      if (who.kind === 'staff') requireVisible(who.principal, placement);
      const c = placement && (await customers.findCustomer(customerId));
      if (!c) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
      if (c.erasedAt) throw conflict('CUSTOMER.ERASED', '该客户的个人信息已删除，不再接收任何消息');
      const now = this.d.clock.now();
      const changed = c.optedOut !== optedOut;
      if (changed) {
        await customers.updateCustomer(customerId, { optedOut, updatedAt: now });
        await customers.insertTimeline({
          customerId,
          kind: optedOut ? 'opted_out' : 'opted_in',
          channelId: null,
          staffUserId: who.kind === 'staff' ? who.principal.wecomUserId : null,
          data: { via: 'operator', ...actorOf(who), reason },
          occurredAt: now,
          sourceEventId: null,
        });
      }
      await audit.insertAudit({
        staffId: staffIdOf(who),
        action: optedOut ? 'customer.opt_out' : 'customer.opt_in',
        targetType: 'customer',
        targetId: String(customerId),
        at: now,
        ipHash,
        detail: { ...actorOf(who), reason, changed },
      });
      return { customerId, optedOut, changed };
    });
  }
}
