import type { Principal } from '../access/access.js';
import type { Permission } from '../access/access.js';
import type { Clock } from '../../shared/clock.js';
import { badRequest, notFound } from '../../shared/errors.js';
import { requirePermission } from '../access/access.js';
import type { Transactor } from './customer.ports.js';
import { ERASED_TASK_TITLE, type ErasureCounts, type PersonalDataExport, type PersonalDataTx } from './personal-data.js';

/** Who asks: a staff member in the mini-program, or the admin API key (audited as staff 0). */
export type Requester = { kind: 'staff'; principal: Principal } | { kind: 'admin' };

/** The audit log's staff id of requests made with the admin API key. */
export const ADMIN_API_STAFF_ID = 0;

export interface ErasureResult {
  customerId: number;
  customerIds: number[];
  erasedAt: number;
  /** The person had been erased before: this run only swept up what arrived since. */
  alreadyErased: boolean;
  counts: ErasureCounts;
}

export interface AccessExport {
  customerId: number;
  customerIds: number[];
  exportedAt: number;
  data: PersonalDataExport;
}

/**
 * A person's rights under PIPL: erasure (删除) and access (查阅、复制). Both act on the whole
 * person (every merged record), in one transaction, and write the audit log in that same
 * transaction, so there is no erasure without its record and no record of one that rolled back.
 *
 * Erasure anonymises rather than deletes the customer rows: orders and counts stay correct for
 * the store, attached to a row that no longer says who it was. It is idempotent: a second
 * request finds the person erased, sweeps whatever arrived since and reports the first time.
 */
export class PersonalDataService {
  constructor(
    private readonly d: {
      tx: Transactor<PersonalDataTx>;
      clock: Clock;
      /** A fresh random id (replaces the person's browser id on scans and leads). */
      newToken(): string;
      reveal(enc: string): string;
    },
  ) {}

  async erase(who: Requester, customerId: number, reason: string, ipHash: string | null): Promise<ErasureResult> {
    this.allow(who, 'customer.erase');
    if (!reason.trim()) throw badRequest('CUSTOMER.ERASE_REASON', '请填写删除原因（例如客户来电要求删除）');
    return this.d.tx.transaction(async ({ data, audit }) => {
      const person = await data.lockCluster(customerId);
      if (!person) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
      const now = this.d.clock.now();
      const counts = await data.erase(person.ids, { now, visitorToken: this.d.newToken(), taskTitle: ERASED_TASK_TITLE });
      await audit.insertAudit({
        staffId: staffIdOf(who),
        action: 'customer.erase',
        targetType: 'customer',
        targetId: String(person.rootId),
        at: now,
        ipHash,
        detail: { ...actorOf(who), reason: reason.trim(), customerIds: person.ids, repeat: person.erasedAt !== null, counts },
      });
      return { customerId: person.rootId, customerIds: person.ids, erasedAt: person.erasedAt ?? now, alreadyErased: person.erasedAt !== null, counts };
    });
  }

  /** Everything held about the person, for handing to them; the export itself is audited. */
  async export(who: Requester, customerId: number, ipHash: string | null): Promise<AccessExport> {
    this.allow(who, 'customer.exportData');
    return this.d.tx.transaction(async ({ data, audit }) => {
      const person = await data.lockCluster(customerId);
      if (!person) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
      const now = this.d.clock.now();
      const out = await data.collect(person.ids, this.d.reveal);
      await audit.insertAudit({
        staffId: staffIdOf(who),
        action: 'customer.export_data',
        targetType: 'customer',
        targetId: String(person.rootId),
        at: now,
        ipHash,
        detail: { ...actorOf(who), customerIds: person.ids },
      });
      return { customerId: person.rootId, customerIds: person.ids, exportedAt: now, data: out };
    });
  }

  private allow(who: Requester, perm: Permission): void {
    if (who.kind === 'staff') requirePermission(who.principal, perm);
  }
}

export const staffIdOf = (who: Requester) => (who.kind === 'staff' ? who.principal.staffId : ADMIN_API_STAFF_ID);
/** Who did it, as the audit detail says it (the admin key has no staff row). */
export const actorOf = (who: Requester) => (who.kind === 'staff' ? { actor: `staff:${who.principal.wecomUserId}`, role: who.principal.role } : { actor: 'admin-api' });
