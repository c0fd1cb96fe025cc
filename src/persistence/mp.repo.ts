import type { Knex } from 'knex';
import type { QueryScope } from '../domain/access/access.js';
import type { AuditEntry, AuditRepo, CustomerFilter, CustomerPage, ListSlice, MpCustomerRow, MpRepo, MpTask, TaskPage } from '../domain/mp/mp.ports.js';
import { cappedCount } from './paging.js';
import { likeFragment } from './db.js';
import { applyScope } from './scope.js';
import { toTask } from './task.repo.js';

export class SqlMpRepo implements MpRepo, AuditRepo {
  constructor(private readonly db: Knex) {}

  /**
   * A page of customers, newest first (id desc; ids are unique, so the order has no ties). Every
   * filter narrows a set an index reaches in id order: the scope by (store_id, id) or
   * (owner_userid, id), a segment by customer_rfm (segment, customer_id), a tag by customer_tags
   * (tag_id, customer_id); a name fragment is matched within that set (a rep's few thousand
   * customers, not the whole table).
   */
  async listCustomers(scope: QueryScope, f: Omit<CustomerFilter, 'limit' | 'offset'>, page: CustomerPage): Promise<ListSlice<MpCustomerRow>> {
    const q = applyScope(this.db, this.db('customers').whereNull('customers.merged_into'), scope, { store: 'customers.store_id', owner: 'customers.owner_userid' });
    if (f.q) {
      if (/^\d{4}$/.test(f.q)) q.where('customers.phone_tail', f.q);
      else q.whereRaw("customers.name like ? escape '!'", [likeFragment(f.q)]);
    }
    if (f.stage) q.where('customers.stage', f.stage);
    if (f.storeId !== undefined) q.where('customers.store_id', f.storeId);
    if (f.segment) q.whereIn('customers.id', this.db('customer_rfm').select('customer_id').where('segment', f.segment));
    if (f.channelId !== undefined) {
      const channelId = f.channelId;
      q.where((w) =>
        w.where('customers.first_channel_id', channelId).orWhereExists((s) => s.select(this.db.raw('1')).from('customer_follows').whereRaw('customer_follows.customer_id = customers.id').where('customer_follows.channel_id', channelId)),
      );
    }
    if (f.tag) {
      // Tag names are unique per group: resolve them to ids first, so the filter is one index range.
      const tagIds = (await this.db('tags').where('name', f.tag).pluck('id')).map(Number);
      if (!tagIds.length) return { items: [], more: false, counted: 0 };
      q.whereIn('customers.id', this.db('customer_tags').select('customer_id').whereIn('tag_id', tagIds));
    }
    const rowsQ = q.clone().orderBy('customers.id', 'desc').limit(page.limit + 1);
    if (page.beforeId !== undefined) rowsQ.where('customers.id', '<', page.beforeId);
    else if (page.offset) rowsQ.offset(page.offset);
    const [rows, counted] = await Promise.all([
      rowsQ.select('customers.id', 'customers.name', 'customers.stage', 'customers.store_id', 'customers.owner_userid', 'customers.phone_enc'),
      cappedCount(this.db, q, 'customers.id', page.countCap),
    ]);
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const tags = await this.tagNames(shown.map((r: Record<string, any>) => Number(r.id)));
    return {
      counted,
      more,
      items: shown.map((r: Record<string, any>) => ({
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

  private async tagNames(ids: number[]): Promise<Map<number, string[]>> {
    const tags = new Map<number, string[]>();
    if (!ids.length) return tags;
    const tagRows = await this.db('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').whereIn('customer_tags.customer_id', ids).orderBy('tags.id').select('customer_tags.customer_id', 'tags.name');
    for (const t of tagRows) {
      const id = Number(t.customer_id);
      tags.set(id, [...(tags.get(id) ?? []), t.name as string]);
    }
    return tags;
  }

  async findCustomerPlacement(id: number) {
    const r = await this.db('customers').where({ id }).whereNull('merged_into').first('id', 'store_id', 'owner_userid', 'phone_enc');
    return r && { id: Number(r.id), storeId: r.store_id === null ? null : Number(r.store_id), ownerUserId: (r.owner_userid as string | null) ?? null, phoneEnc: (r.phone_enc as string | null) ?? null };
  }

  private tasks() {
    return this.db('tasks').leftJoin('customers', 'customers.id', 'tasks.customer_id');
  }

  /** Open tasks, soonest due first (ties by id), through (staff_userid, status, due_at) or (store_id, status, due_at). */
  async listOpenTasks(scope: QueryScope, page: TaskPage): Promise<ListSlice<MpTask>> {
    const q = applyScope(this.db, this.tasks().where('tasks.status', 'open'), scope, { store: 'tasks.store_id', owner: 'tasks.staff_userid' });
    const rowsQ = q.clone().orderBy([{ column: 'tasks.due_at' }, { column: 'tasks.id' }]).limit(page.limit + 1);
    const after = page.after;
    if (after) rowsQ.where('tasks.due_at', '>=', after.dueAt).where((w) => w.where('tasks.due_at', '>', after.dueAt).orWhere('tasks.id', '>', after.id));
    else if (page.offset) rowsQ.offset(page.offset);
    const [rows, counted] = await Promise.all([rowsQ.select('tasks.*', 'customers.name as customer_name'), cappedCount(this.db, q, 'tasks.id', page.countCap)]);
    return {
      counted,
      more: rows.length > page.limit,
      items: rows.slice(0, page.limit).map((r: Record<string, any>) => ({ ...toTask(r), customerName: r.customer_name ?? null })),
    };
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
