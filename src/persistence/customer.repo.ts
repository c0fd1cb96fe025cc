import type { Knex } from 'knex';
import { transact } from './db.js';
import { randomBytes } from 'node:crypto';
import { identityKey, type CustomerRepo, type IdentityRef } from '../domain/customer/customer.ports.js';
import type { Customer, Follow, FollowStatus, IdentityKind, NameSource, Stage, TimelineEntry, TimelineKind } from '../domain/customer/customer.types.js';
import type { Tag } from '../domain/tag/tag.types.js';
import { SqlCallbackEventRepo } from './callback-event.repo.js';
import { toTag } from './tag.repo.js';

interface CustomerRow {
  id: number;
  store_id: number | null;
  name: string;
  name_source: NameSource | null;
  avatar: string | null;
  gender: number;
  owner_userid: string | null;
  first_channel_id: number | null;
  stage: Stage;
  opted_out: number | boolean;
  order_count?: number | null;
  merged_into: number | null;
  erased_at?: number | null;
  created_at: number;
  updated_at: number;
}

const nn = (v: number | null) => (v === null ? null : Number(v));

const toCustomer = (r: CustomerRow): Customer => ({
  id: Number(r.id),
  storeId: nn(r.store_id),
  name: r.name,
  nameSource: r.name_source ?? null,
  avatar: r.avatar,
  gender: Number(r.gender),
  ownerUserId: r.owner_userid,
  firstChannelId: nn(r.first_channel_id),
  stage: r.stage,
  optedOut: !!r.opted_out,
  orderCount: Number(r.order_count ?? 0),
  mergedInto: nn(r.merged_into),
  erasedAt: nn(r.erased_at ?? null),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const toFollow = (r: Record<string, any>): Follow => ({
  customerId: Number(r.customer_id),
  staffUserId: r.staff_userid,
  channelId: nn(r.channel_id),
  state: r.state,
  status: r.status,
  addedAt: Number(r.added_at),
  removedAt: nn(r.removed_at),
});

const customerRow = (c: Omit<Customer, 'id'>) => ({
  store_id: c.storeId,
  name: c.name.slice(0, 64),
  name_source: c.nameSource,
  avatar: c.avatar,
  gender: c.gender,
  owner_userid: c.ownerUserId,
  first_channel_id: c.firstChannelId,
  stage: c.stage,
  opted_out: c.optedOut,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
});

const timelineRow = (e: TimelineEntry) => ({
  customer_id: e.customerId,
  kind: e.kind,
  channel_id: e.channelId,
  staff_userid: e.staffUserId,
  data: JSON.stringify(e.data),
  occurred_at: e.occurredAt,
  source_event_id: e.sourceEventId,
});

const COLS: Record<string, string> = {
  storeId: 'store_id',
  name: 'name',
  nameSource: 'name_source',
  avatar: 'avatar',
  gender: 'gender',
  ownerUserId: 'owner_userid',
  firstChannelId: 'first_channel_id',
  stage: 'stage',
  optedOut: 'opted_out',
  updatedAt: 'updated_at',
};

/**
 * Rows of these identities through the unique (kind, scope, value) index: one range per kind and
 * scope. (A lookup by value alone scans the table, and as a locking read would lock all of it.)
 */
function byIdentity(q: Knex.QueryBuilder, refs: IdentityRef[]): Knex.QueryBuilder {
  const groups = new Map<string, { kind: IdentityKind; scope: string; values: Set<string> }>();
  for (const r of refs) {
    const g = groups.get(`${r.kind}|${r.scope}`) ?? { kind: r.kind, scope: r.scope, values: new Set<string>() };
    g.values.add(r.value);
    groups.set(`${r.kind}|${r.scope}`, g);
  }
  return q.where((w) => {
    for (const g of groups.values()) w.orWhere((o) => o.where({ kind: g.kind, scope: g.scope }).whereIn('value', [...g.values]));
  });
}

const ownerMap = (rows: Array<{ kind: IdentityKind; scope: string; value: string; customer_id: number }>) =>
  new Map(rows.map((o) => [identityKey(o.kind, o.scope, o.value), Number(o.customer_id)]));

export class SqlCustomerRepo implements CustomerRepo {
  constructor(private readonly db: Knex) {}

  async findCustomer(id: number): Promise<Customer | undefined> {
    const r = await this.db<CustomerRow>('customers').where({ id }).first();
    return r && toCustomer(r);
  }

  async findCustomerByIdentity(kind: IdentityKind, scope: string, value: string): Promise<Customer | undefined> {
    const r = await this.db<CustomerRow>('customers as c')
      .join('customer_identities as i', 'i.customer_id', 'c.id')
      .where({ 'i.kind': kind, 'i.scope': scope, 'i.value': value })
      .first('c.*');
    return r && toCustomer(r);
  }

  async updateCustomer(id: number, patch: Partial<Omit<Customer, 'id' | 'createdAt'>>): Promise<void> {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (COLS[k]) row[COLS[k]] = k === 'name' ? String(v).slice(0, 64) : v;
    if (Object.keys(row).length) await this.db('customers').where({ id }).update(row);
  }

  async removeCustomerTags(customerId: number, tagIds: number[]): Promise<void> {
    if (tagIds.length) await this.db('customer_tags').where({ customer_id: customerId }).whereIn('tag_id', tagIds).delete();
  }

  async listIdentityValues(customerId: number, kind: IdentityKind, scope: string): Promise<string[]> {
    return this.db('customer_identities').where({ customer_id: customerId, kind, scope }).orderBy('id').pluck('value');
  }

  async setCustomerPhone(id: number, phoneEnc: string, tail: string, now: number): Promise<void> {
    await this.db('customers').where({ id }).update({ phone_enc: phoneEnc, phone_tail: tail, updated_at: now });
  }

  async findFollow(customerId: number, staffUserId: string): Promise<Follow | undefined> {
    const r = await this.db('customer_follows').where({ customer_id: customerId, staff_userid: staffUserId }).first();
    return r && toFollow(r);
  }

  async upsertFollow(f: Follow): Promise<void> {
    await this.db('customer_follows')
      .insert({
        customer_id: f.customerId,
        staff_userid: f.staffUserId,
        channel_id: f.channelId,
        state: f.state,
        status: f.status,
        added_at: f.addedAt,
        removed_at: f.removedAt,
      })
      .onConflict(['customer_id', 'staff_userid'])
      .merge(['channel_id', 'state', 'status', 'added_at', 'removed_at']);
  }

  async updateFollowStatus(customerId: number, staffUserId: string, status: FollowStatus, at: number): Promise<boolean> {
    const n = await this.db('customer_follows').where({ customer_id: customerId, staff_userid: staffUserId }).update({ status, removed_at: at });
    return n > 0;
  }

  async addCustomerTags(customerId: number, tagIds: number[], source: string, now: number): Promise<number[]> {
    if (!tagIds.length) return [];
    const have = new Set((await this.db('customer_tags').where({ customer_id: customerId }).whereIn('tag_id', tagIds).pluck('tag_id')).map(Number));
    const fresh = tagIds.filter((t) => !have.has(t));
    if (fresh.length) {
      await this.db('customer_tags')
        .insert(fresh.map((tag_id) => ({ customer_id: customerId, tag_id, source, created_at: now })))
        .onConflict(['customer_id', 'tag_id'])
        .ignore();
    }
    return fresh;
  }

  async insertTimeline(e: TimelineEntry): Promise<boolean> {
    if (e.sourceEventId !== null) {
      const dup = await this.db('customer_events').where({ source_event_id: e.sourceEventId, kind: e.kind }).first('id');
      if (dup) return false;
    }
    await this.db('customer_events').insert(timelineRow(e));
    return true;
  }

  async findIdentityOwners(refs: IdentityRef[]): Promise<Map<string, number>> {
    if (!refs.length) return new Map();
    const rows = await byIdentity(this.db('customer_identities'), refs).select('kind', 'scope', 'value', 'customer_id');
    return ownerMap(rows);
  }

  async findCustomersForUpdate(ids: number[]): Promise<Customer[]> {
    if (!ids.length) return [];
    const q = this.db<CustomerRow>('customers').whereIn('id', ids);
    // InnoDB's plain reads see the transaction's first snapshot; a locking read sees the latest commit.
    return (await (this.isMysql() ? q.forUpdate() : q)).map(toCustomer);
  }

  async insertCustomers(rows: Array<Omit<Customer, 'id'>>): Promise<number[]> {
    if (!rows.length) return [];
    const refs = rows.map(() => randomBytes(12).toString('base64url'));
    await this.db('customers').insert(rows.map((c, i) => ({ ...customerRow(c), create_ref: refs[i] })));
    const back = new Map((await this.db('customers').whereIn('create_ref', refs).select('id', 'create_ref')).map((r: { id: number; create_ref: string }) => [r.create_ref, Number(r.id)]));
    return refs.map((r) => back.get(r)!);
  }

  async insertIdentities(rows: Array<IdentityRef & { customerId: number }>, now: number): Promise<Map<string, number>> {
    if (!rows.length) return new Map();
    await this.db('customer_identities')
      .insert(rows.map((r) => ({ customer_id: r.customerId, kind: r.kind, scope: r.scope, value: r.value, created_at: now })))
      .onConflict(['kind', 'scope', 'value'])
      .ignore();
    // A locking read: a row a concurrent transaction committed while our insert waited on it is
    // the owner, and InnoDB's plain read would still show this transaction's older snapshot.
    const q = byIdentity(this.db('customer_identities'), rows).select('kind', 'scope', 'value', 'customer_id');
    return ownerMap(await (this.isMysql() ? q.forShare() : q));
  }

  async adoptCustomers(pairs: Array<{ loser: number; winner: number }>): Promise<void> {
    for (const { loser, winner } of pairs) {
      await this.db('customer_identities').where({ customer_id: loser }).update({ customer_id: winner });
      await this.db('customers').where({ id: loser }).delete();
    }
  }

  private isMysql(): boolean {
    return String(this.db.client.config.client).startsWith('mysql');
  }

  async findFollows(customerIds: number[]): Promise<Follow[]> {
    if (!customerIds.length) return [];
    return (await this.db('customer_follows').whereIn('customer_id', customerIds)).map(toFollow);
  }

  async upsertFollows(rows: Follow[]): Promise<void> {
    if (!rows.length) return;
    await this.db('customer_follows')
      .insert(rows.map((f) => ({ customer_id: f.customerId, staff_userid: f.staffUserId, channel_id: f.channelId, state: f.state, status: f.status, added_at: f.addedAt, removed_at: f.removedAt })))
      .onConflict(['customer_id', 'staff_userid'])
      .merge(['channel_id', 'state', 'status', 'added_at', 'removed_at']);
  }

  async insertTimelines(rows: TimelineEntry[]): Promise<void> {
    if (!rows.length) return;
    await this.db('customer_events')
      .insert(rows.map(timelineRow))
      .onConflict(['source_event_id', 'kind'])
      .ignore();
  }

  async listTagIdsOf(customerIds: number[]): Promise<Map<number, Set<number>>> {
    const out = new Map<number, Set<number>>(customerIds.map((id) => [id, new Set<number>()]));
    if (!customerIds.length) return out;
    const rows = await this.db('customer_tags').whereIn('customer_id', customerIds).select('customer_id', 'tag_id');
    for (const r of rows as Array<{ customer_id: number; tag_id: number }>) out.get(Number(r.customer_id))?.add(Number(r.tag_id));
    return out;
  }

  async insertCustomerTags(rows: Array<{ customerId: number; tagId: number; source: string }>, now: number): Promise<void> {
    if (!rows.length) return;
    await this.db('customer_tags')
      .insert(rows.map((r) => ({ customer_id: r.customerId, tag_id: r.tagId, source: r.source, created_at: now })))
      .onConflict(['customer_id', 'tag_id'])
      .ignore();
  }

  async listCustomerTags(customerId: number): Promise<Tag[]> {
    const rows = await this.db('tags as t').join('customer_tags as ct', 'ct.tag_id', 't.id').where('ct.customer_id', customerId).orderBy('t.id').select('t.*');
    return rows.map(toTag);
  }

  async listFollows(customerId: number): Promise<Follow[]> {
    const rows = await this.db('customer_follows').where({ customer_id: customerId }).orderBy('added_at');
    return rows.map(toFollow);
  }

  async listTimeline(customerId: number, limit: number): Promise<TimelineEntry[]> {
    const rows = await this.db('customer_events').where({ customer_id: customerId }).orderBy([{ column: 'occurred_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(limit);
    return rows.map((r) => ({
      id: Number(r.id),
      customerId: Number(r.customer_id),
      kind: r.kind as TimelineKind,
      channelId: nn(r.channel_id),
      staffUserId: r.staff_userid,
      data: JSON.parse(r.data) as Record<string, unknown>,
      occurredAt: Number(r.occurred_at),
      sourceEventId: nn(r.source_event_id),
    }));
  }
}

/** Binds repos to a knex transaction for services that need several writes to commit together. */
export function customerTransactor(db: Knex) {
  return {
    transaction: <T>(fn: (r: { customers: CustomerRepo; events: SqlCallbackEventRepo }) => Promise<T>): Promise<T> =>
      transact(db, (trx) => fn({ customers: new SqlCustomerRepo(trx), events: new SqlCallbackEventRepo(trx) })),
  };
}
