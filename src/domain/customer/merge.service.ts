import type { Clock } from '../../shared/clock.js';
import { badRequest, conflict, notFound } from '../../shared/errors.js';
import type { CustomerRepo, Transactor } from './customer.ports.js';
import type { MergeRecord, MergeRepo } from './merge.js';

export interface MergeTx {
  merges: MergeRepo;
  customers: CustomerRepo;
}

/** Explicit, audited merges of two customer records that turned out to be one person, and their undo. */
export class MergeService {
  constructor(private readonly d: { tx: Transactor<MergeTx>; clock: Clock }) {}

  async merge(p: { sourceId: number; targetId: number; reason: string; actor: string }): Promise<MergeRecord> {
    if (p.sourceId === p.targetId) throw badRequest('MERGE.SAME_CUSTOMER', '不能把客户合并到自己');
    return this.d.tx.transaction(async ({ merges, customers }) => {
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
      return { id, sourceId: p.sourceId, targetId: p.targetId, reason: p.reason, actor: p.actor, createdAt: now, undoneAt: null };
    });
  }

  async undo(mergeId: number, actor: string): Promise<MergeRecord> {
    return this.d.tx.transaction(async ({ merges, customers }) => {
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
      return { ...m, undoneAt: now };
    });
  }
}
