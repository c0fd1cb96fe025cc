import type { Clock } from '../../shared/clock.js';
import type { AuditRepo } from '../mp/mp.ports.js';
import { actorOf, staffIdOf, type Requester } from './personal-data.service.js';
import { requirePermission } from '../access/access.js';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import type { CustomerRepo, Transactor } from './customer.ports.js';
import type { MergeRecord, MergeRepo } from './merge.js';

export interface MergeTx {
  merges: MergeRepo;
  customers: CustomerRepo;
  audit: AuditRepo;
}

/**
 * Explicit, audited merges of two customer records that turned out to be one person, and their
 * undo: HQ in the mini-program or the admin API. Each is written to the audit log with who did
 * it, in the same transaction as the merge.
 */
export class MergeService {
  constructor(private readonly d: { tx: Transactor<MergeTx>; clock: Clock }) {}

  async merge(who: Requester, m: { sourceId: number; targetId: number; reason: string }, ipHash: string | null = null): Promise<MergeRecord> {
    if (who.kind === 'staff') requirePermission(who.principal, 'customer.merge');
    const p = { ...m, actor: actorOf(who).actor };
    if (p.sourceId === p.targetId) throw badRequest('MERGE.SAME_CUSTOMER', '不能把客户合并到自己');
    return this.d.tx.transaction(async ({ merges, customers, audit }) => {
      const locked = await merges.lockCustomers([p.sourceId, p.targetId]);
      const source = locked.find((c) => c.id === p.sourceId);
      const target = locked.find((c) => c.id === p.targetId);
      if (!source || !target) throw notFound('MERGE.CUSTOMER_NOT_FOUND', '客户不存在');
      if (source.mergedInto !== null) throw conflict('MERGE.ALREADY_MERGED', '该客户已被合并');
      if (target.mergedInto !== null) throw conflict('MERGE.TARGET_MERGED', '目标客户已被合并到其他客户，请选择最终的客户');
      const now = this.d.clock.now();
      const journal = await merges.moveAll(p.sourceId, p.targetId);
      await merges.setMergedInto(p.sourceId, p.targetId);
      const id = await merges.insertMerge({ sourceId: p.sourceId, targetId: p.targetId, reason: p.reason, actor: p.actor, createdAt: now, journal });
      await customers.insertTimeline({
        customerId: p.targetId,
        kind: 'customer_merged',
        channelId: null,
        staffUserId: null,
        data: { mergeId: id, sourceId: p.sourceId, actor: p.actor, reason: p.reason },
        occurredAt: now,
        sourceEventId: null,
      });
      await audit.insertAudit({ staffId: staffIdOf(who), action: 'customer.merge', targetType: 'customer', targetId: String(p.targetId), at: now, ipHash, detail: { ...actorOf(who), mergeId: id, sourceId: p.sourceId, targetId: p.targetId } });
      return { id, sourceId: p.sourceId, targetId: p.targetId, reason: p.reason, actor: p.actor, createdAt: now, undoneAt: null };
    });
  }

  async undo(who: Requester, mergeId: number, ipHash: string | null = null): Promise<MergeRecord> {
    if (who.kind === 'staff') requirePermission(who.principal, 'customer.merge');
    const actor = actorOf(who).actor;
    return this.d.tx.transaction(async ({ merges, customers, audit }) => {
      const m = await merges.findMerge(mergeId);
      if (!m) throw notFound('MERGE.NOT_FOUND', '合并记录不存在');
      if (m.undoneAt !== null) throw conflict('MERGE.ALREADY_UNDONE', '该合并已撤销');
      const [target] = await merges.lockCustomers([m.targetId]);
      if (target?.mergedInto !== null) throw conflict('MERGE.TARGET_MERGED', '目标客户之后又被合并，请先撤销之后的合并');
      const now = this.d.clock.now();
      await merges.undo(m.sourceId, m.targetId, m.journal);
      await merges.setMergedInto(m.sourceId, null);
      await merges.markUndone(m.id, now);
      await customers.insertTimeline({
        customerId: m.targetId,
        kind: 'customer_unmerged',
        channelId: null,
        staffUserId: null,
        data: { mergeId: m.id, sourceId: m.sourceId, actor },
        occurredAt: now,
        sourceEventId: null,
      });
      await audit.insertAudit({ staffId: staffIdOf(who), action: 'customer.unmerge', targetType: 'customer', targetId: String(m.targetId), at: now, ipHash, detail: { ...actorOf(who), mergeId: m.id, sourceId: m.sourceId, targetId: m.targetId } });
      return { ...m, undoneAt: now };
    });
  }
}
