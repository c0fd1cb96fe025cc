import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import type { AuditEntry, AuditRepo, CustomerFilter, MpCustomerRow, MpRepo, MpTask } from '../domain/mp/mp.ports.js';
import { likeFragment } from './db.js';
import { applyScope } from './scope.js';
import { toTask } from './task.repo.js';

export class SqlMpRepo implements MpRepo, AuditRepo {
  constructor(private readonly db: Knex) {}

  async listCustomers(scope: QueryScope, f: CustomerFilter): Promise<{ items: MpCustomerRow[]; total: number }> {
    const q = applyScope(this.db, this.db('customers').whereNull('customers.merged_into'), scope, { store: 'customers.store_id', owner: 'customers.owner_userid' });
    if (f.q) {
      if (/^\d{4}$/.test(f.q)) q.where('customers.phone_tail', f.q);
      else q.whereRaw("customers.name like ? escape '!'", [likeFragment(f.q)]);
    }
    if (f.stage) q.where('customers.stage', f.stage);
    if (f.storeId !== undefined) q.where('customers.store_id', f.storeId);
    if (f.segment) {
      const segment = f.segment;
      q.whereExists((s) => s.select(this.db.raw('1')).from('customer_rfm').whereRaw('customer_rfm.customer_id = customers.id').where('customer_rfm.segment', segment));
    }
    if (f.channelId !== undefined) {
      const channelId = f.channelId;
      q.where((w) =>
        w.where('customers.first_channel_id', channelId).orWhereExists((s) => s.select(this.db.raw('1')).from('customer_follows').whereRaw('customer_follows.customer_id = customers.id').where('customer_follows.channel_id', channelId)),
      );
    }
    if (f.tag) {
      const tag = f.tag;
      q.whereExists((s) => s.select(this.db.raw('1')).from('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').whereRaw('customer_tags.customer_id = customers.id').where('tags.name', tag));
    }
    const [countRow] = await q.clone().count({ n: '*' });
    const rows = await q.orderBy('customers.id', 'desc').limit(f.limit).offset(f.offset).select('customers.id', 'customers.name', 'customers.stage', 'customers.store_id', 'customers.owner_userid', 'customers.phone_enc');
    const ids = rows.map((r: Record<string, any>) => Number(r.id));
    const tags = new Map<number, string[]>();
    if (ids.length) {
      const tagRows = await this.db('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').whereIn('customer_tags.customer_id', ids).orderBy('tags.id').select('customer_tags.customer_id', 'tags.name');
      for (const t of tagRows) {
        const id = Number(t.customer_id);
        tags.set(id, [...(tags.get(id) ?? []), t.name as string]);
      }
    }
    return {
      total: Number(countRow?.n ?? 0),
      items: rows.map((r: Record<string, any>) => ({
        id: Number(r.id),
        name: r.name,
        stage: r.stage,
        storeId: r.store_id === null ? null : Number(r.store_id),
        ownerUserId: r.owner_userid ?? null,
        phoneEnc: r.phone_enc ?? null,
        tags: tags.get(Number(r.id)) ?? [],
      })),
    };
  }

  async findCustomerPlacement(id: number) {
    const r = await this.db('customers').where({ id }).whereNull('merged_into').first('id', 'store_id', 'owner_userid', 'phone_enc');
    return r && { id: Number(r.id), storeId: r.store_id === null ? null : Number(r.store_id), ownerUserId: (r.owner_userid as string | null) ?? null, phoneEnc: (r.phone_enc as string | null) ?? null };
  }

  private tasks() {
    return this.db('tasks').leftJoin('customers', 'customers.id', 'tasks.customer_id');
  }

  async listOpenTasks(scope: QueryScope, page: { limit: number; offset: number }): Promise<{ items: MpTask[]; total: number }> {
    const q = applyScope(this.db, this.tasks().where('tasks.status', 'open'), scope, { store: 'tasks.store_id', owner: 'tasks.staff_userid' });
    const [countRow] = await q.clone().count({ n: '*' });
    const rows = await q
      .orderBy([{ column: 'tasks.due_at' }, { column: 'tasks.id' }])
      .limit(page.limit)
      .offset(page.offset)
      .select('tasks.*', 'customers.name as customer_name');
    return { total: Number(countRow?.n ?? 0), items: rows.map((r: Record<string, any>) => ({ ...toTask(r), customerName: r.customer_name ?? null })) };
  }

  async findTask(id: number): Promise<MpTask | undefined> {
    const r = await this.tasks().where('tasks.id', id).first('tasks.*', 'customers.name as customer_name');
    return r && { ...toTask(r), customerName: r.customer_name ?? null };
  }

  async completeTask(id: number, outcome: string, now: number): Promise<boolean> {
    const n = await this.db('tasks').where({ id, status: 'open' }).update({ status: 'done', outcome: outcome.slice(0, 255), done_at: now });
    return n > 0;
  }

  async insertAudit(e: AuditEntry): Promise<void> {
    await this.db('audit_log').insert({ staff_id: e.staffId, action: e.action, target_type: e.targetType, target_id: e.targetId, at: e.at, ip_hash: e.ipHash, detail: JSON.stringify(e.detail) });
  }
}
