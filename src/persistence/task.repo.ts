import type { Knex } from 'knex';
import type { Task, TaskRepo } from '../domain/task/task.types.js';

const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export const toTask = (r: Record<string, any>): Task => ({
  id: Number(r.id),
  storeId: nn(r.store_id),
  customerId: nn(r.customer_id),
  staffUserId: r.staff_userid,
  kind: r.kind,
  title: r.title,
  dueAt: Number(r.due_at),
  status: r.status,
  outcome: r.outcome ?? null,
  doneAt: nn(r.done_at),
  createdAt: Number(r.created_at),
});

export class SqlTaskRepo implements TaskRepo {
  constructor(private readonly db: Knex) {}

  async insertTask(t: Omit<Task, 'id' | 'status' | 'outcome' | 'doneAt'> & { sourceKey: string | null }): Promise<number> {
    const row = {
      store_id: t.storeId,
      customer_id: t.customerId,
      staff_userid: t.staffUserId,
      kind: t.kind,
      title: t.title.slice(0, 255),
      due_at: t.dueAt,
      status: 'open',
      source_key: t.sourceKey,
      created_at: t.createdAt,
    };
    if (t.sourceKey === null) {
      const [id] = await this.db('tasks').insert(row);
      return Number(id);
    }
    await this.db('tasks').insert(row).onConflict('source_key').ignore();
    const r = await this.db('tasks').where({ source_key: t.sourceKey }).first('id');
    return Number(r.id);
  }

  async listOpenDue(staffUserId: string, until: number, limit: number) {
    const rows = await this.db('tasks')
      .leftJoin('customers', 'customers.id', 'tasks.customer_id')
      .where({ 'tasks.staff_userid': staffUserId, 'tasks.status': 'open' })
      .andWhere('tasks.due_at', '<', until)
      .orderBy([{ column: 'tasks.due_at' }, { column: 'tasks.id' }])
      .limit(limit)
      .select('tasks.*', 'customers.name as customer_name');
    return rows.map((r) => ({ ...toTask(r), customerName: r.customer_name ?? null }));
  }

  async completeTask(id: number, staffUserId: string, outcome: string, now: number): Promise<Task | undefined> {
    const n = await this.db('tasks').where({ id, staff_userid: staffUserId, status: 'open' }).update({ status: 'done', outcome: outcome.slice(0, 255), done_at: now });
    if (!n) return undefined;
    return toTask(await this.db('tasks').where({ id }).first());
  }
}
