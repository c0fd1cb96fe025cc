import type { Knex } from 'knex';
import type { ErasureCounts, PersonalDataExport, PersonalDataRepo, PersonCluster } from '../domain/customer/personal-data.js';
import type { PersonalDataTx } from '../domain/customer/personal-data.js';
import { transact } from './db.js';
import { SqlMpRepo } from './mp.repo.js';
import { SqlCustomerRepo } from './customer.repo.js';
import type { OptOutTx } from '../domain/customer/opt-out.service.js';

/** Merge chains longer than this are not real (merges are made one at a time by people). */
const MAX_CLUSTER = 500;
/** Unprocessed WeCom events are searched for a person's external ids this many at a time. */
const LIKE_CHUNK = 20;

const iso = (ms: unknown) => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());
const json = (s: unknown) => {
  try {
    return JSON.parse(String(s)) as unknown;
  } catch {
    return String(s);
  }
};

/**
 * Every table that holds personal data, and what erasure does to each (read the migrations
 * before adding a table: a new column with personal data belongs here too):
 *
 * - customers: name, avatar, gender, phone, last message time blanked; opted out; erased_at set.
 *   The row stays: orders, counts and the funnel still add up, on a row that says no one.
 * - customer_identities (openid, unionid, external ids, bot contact, phone hash): deleted, so
 *   nothing arriving later finds the person again.
 * - customer_tags, customer_rfm (profile and segment), conversations, spam_strikes: deleted.
 * - leads: name and phone blanked, the browser id replaced by a one-off token (also on scans,
 *   whose keyed address hash and user agent are blanked): 留资 and visitor counts stay right.
 * - customer_events (timeline, incl. message text and notes), survey_answers (the answer text;
 *   the NPS score stays for the aggregate), tasks (title and outcome), touches (text),
 *   outbox (text, target), customer_merges (the reason text), callback_events (the payload):
 *   scrubbed in place, so counts by kind and time stay.
 * - pending outbox rows, touches, open tasks and active journey runs are cancelled, stopped or
 *   exited, and unprocessed WeCom events about the person are closed.
 * - kept as they are: orders (amounts, items, order numbers: the store's books), consents,
 *   coupon_claims, customer_follows, reactivation_entries, rfm_history — none holds anything
 *   that says who the person is once the rows above are gone.
 * - audit_log is kept: it records who handled the person's data, which the law asks for.
 * - CSV exports are built per request and never stored, so there is none waiting to be taken.
 */
export class SqlPersonalDataRepo implements PersonalDataRepo {
  constructor(private readonly db: Knex) {}

  private get mysql(): boolean {
    return String(this.db.client.config.client).startsWith('mysql');
  }

  async lockCluster(customerId: number): Promise<PersonCluster | undefined> {
    type Row = { id: number; merged_into: number | null; erased_at: number | null };
    const one = (id: number) => this.db('customers').where({ id }).first('id', 'merged_into', 'erased_at') as Promise<Row | undefined>;
    let row = await one(customerId);
    if (!row) return undefined;
    for (let hops = 0; row.merged_into !== null && hops < MAX_CLUSTER; hops++) {
      const up: Row | undefined = await one(Number(row.merged_into));
      if (!up) break;
      row = up;
    }
    const rootId = Number(row.id);
    const ids = [rootId];
    for (let frontier = [rootId]; frontier.length && ids.length < MAX_CLUSTER; ) {
      frontier = (await this.db('customers').whereIn('merged_into', frontier).pluck('id')).map(Number).filter((id) => !ids.includes(id));
      ids.push(...frontier);
    }
    // SQLite has one writer at a time; MySQL holds the rows for the transaction.
    if (this.mysql) await this.db('customers').whereIn('id', ids).forUpdate().select('id');
    return { rootId, ids: ids.sort((a, b) => a - b), erasedAt: row.erased_at === null ? null : Number(row.erased_at) };
  }

  async erase(ids: number[], o: { now: number; visitorToken: string; taskTitle: string }): Promise<ErasureCounts> {
    const db = this.db;
    const counts: ErasureCounts = {};
    const add = (table: string, n: unknown) => {
      counts[table] = (counts[table] ?? 0) + Number(n ?? 0);
    };
    const idents = (await db('customer_identities').whereIn('customer_id', ids).select('kind', 'value')) as Array<{ kind: string; value: string }>;
    const externals = idents.filter((i) => i.kind === 'wecom_external').map((i) => i.value);
    const dmContacts = (await db('conversations').whereIn('customer_id', ids).where({ kind: 'dm' }).pluck('target_id')) as string[];
    const contacts = [...new Set([...idents.filter((i) => i.kind === 'bot_contact').map((i) => i.value), ...dmContacts])];
    const visitors = [...new Set((await db('leads').whereIn('customer_id', ids).pluck('visitor_id')) as string[])].filter((v) => v !== o.visitorToken);

    await db('customers').whereIn('id', ids).whereNull('erased_at').update({ erased_at: o.now });
    add(
      'customers',
      await db('customers')
        .whereIn('id', ids)
        .update({ name: '', avatar: null, gender: 0, phone_enc: null, phone_tail: null, last_inbound_at: null, opted_out: true, updated_at: o.now }),
    );
    add('customer_identities', await db('customer_identities').whereIn('customer_id', ids).delete());
    add('customer_tags', await db('customer_tags').whereIn('customer_id', ids).delete());
    add('customer_rfm', await db('customer_rfm').whereIn('customer_id', ids).delete());
    add(
      'conversations',
      await db('conversations')
        .whereIn('customer_id', ids)
        .orWhere((w) => (contacts.length ? w.where({ kind: 'dm' }).whereIn('target_id', contacts) : w.whereRaw('1 = 0')))
        .delete(),
    );
    if (contacts.length) add('spam_strikes', await db('spam_strikes').whereIn('contact_id', contacts).delete());
    add('leads', await db('leads').whereIn('customer_id', ids).update({ name: '', phone_enc: '', visitor_id: o.visitorToken, qr_code_url: null }));
    if (visitors.length) add('scans', await db('scans').whereIn('visitor_id', visitors).update({ visitor_id: o.visitorToken, ip_hash: '', user_agent: '' }));
    add('customer_events', await db('customer_events').whereIn('customer_id', ids).whereNot('data', '{}').update({ data: '{}' }));
    add('survey_answers', await db('survey_answers').whereIn('customer_id', ids).whereNot('value', '').update({ value: '' }));
    add('customer_merges', await db('customer_merges').where((w) => w.whereIn('source_id', ids).orWhereIn('target_id', ids)).whereNot('reason', '').update({ reason: '' }));

    add('tasks', await db('tasks').whereIn('customer_id', ids).where({ status: 'open' }).update({ status: 'cancelled', done_at: o.now }));
    await db('tasks').whereIn('customer_id', ids).update({ title: o.taskTitle, outcome: null });
    add('journey_runs', await db('journey_runs').whereIn('customer_id', ids).where({ status: 'active' }).update({ status: 'exited', exit_reason: 'customer_erased', ended_at: o.now, lease_owner: null, lease_until: null }));
    add('touches', await db('touches').whereIn('customer_id', ids).whereIn('status', ['pending', 'sending']).update({ status: 'skipped', skip_reason: 'customer_erased', lease_owner: null, lease_until: null }));
    await db('touches').whereIn('customer_id', ids).update({ payload: '{}', template_text_sha: null });
    const outbox = () =>
      db('outbox').where((w) => {
        w.whereIn('customer_id', ids);
        if (contacts.length) w.orWhere((x) => x.where({ target_kind: 'dm' }).whereIn('target_id', contacts));
      });
    add('outbox', await outbox().whereIn('status', ['pending', 'sending']).update({ status: 'cancelled', last_error: 'customer_erased', lease_owner: null, lease_until: null }));
    await outbox().update({ text: '', target_id: '', mention_ids: '[]' });

    add('callback_events', await db('callback_events').whereIn('customer_id', ids).whereNot('payload', '{}').update({ payload: '{}' }));
    // Events not processed yet carry no customer id: found by the person's external ids, and
    // closed, so a late retry cannot bring the person back.
    for (let i = 0; i < externals.length; i += LIKE_CHUNK) {
      const chunk = externals.slice(i, i + LIKE_CHUNK);
      add(
        'callback_events',
        await db('callback_events')
          .whereNull('customer_id')
          .whereIn('status', ['pending', 'processing', 'failed'])
          .where((w) => {
            for (const e of chunk) w.orWhereRaw("payload LIKE ? ESCAPE '!'", [`%${e.replace(/[!%_]/g, (c) => `!${c}`)}%`]);
          })
          .update({ payload: '{}', status: 'done', last_error: 'customer_erased', lease_owner: null, lease_until: null, processed_at: o.now }),
      );
    }
    return counts;
  }

  async collect(ids: number[], reveal: (enc: string) => string): Promise<PersonalDataExport> {
    const db = this.db;
    const open = (enc: unknown) => (typeof enc === 'string' && enc !== '' ? reveal(enc) : null);
    const customers = await db('customers').whereIn('id', ids).orderBy('id');
    const leads = await db('leads as l').leftJoin('channels as c', 'c.id', 'l.channel_id').whereIn('l.customer_id', ids).orderBy('l.id').select('l.*', 'c.name as channel_name');
    const phones = new Set<string>();
    for (const r of [...customers, ...leads]) {
      const p = open(r.phone_enc);
      if (p) phones.add(p);
    }
    const tags = await db('customer_tags as ct').join('tags as t', 't.id', 'ct.tag_id').whereIn('ct.customer_id', ids).orderBy('ct.created_at').select('t.group_name', 't.name', 'ct.source', 'ct.created_at');
    return {
      customers: customers.map((r) => ({
        id: Number(r.id),
        name: r.name,
        avatar: r.avatar ?? null,
        gender: Number(r.gender),
        phone: open(r.phone_enc),
        storeId: r.store_id === null ? null : Number(r.store_id),
        stage: r.stage,
        optedOut: !!r.opted_out,
        mergedInto: r.merged_into === null ? null : Number(r.merged_into),
        orderCount: Number(r.order_count),
        totalSpentFen: Number(r.total_spent_fen),
        lastMessageAt: iso(r.last_inbound_at),
        createdAt: iso(r.created_at),
        erasedAt: iso(r.erased_at),
      })),
      identities: (await db('customer_identities').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ kind: r.kind, value: r.value, createdAt: iso(r.created_at)! })),
      phones: [...phones],
      leads: leads.map((r) => ({ channel: r.channel_name ?? null, name: r.name, phone: open(r.phone_enc), staffUserId: r.staff_userid, createdAt: iso(r.created_at), linkedAt: iso(r.linked_at) })),
      consents: (await db('consents').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ purpose: r.purpose, textVersion: r.text_version, source: r.source, createdAt: iso(r.created_at) })),
      tags: tags.map((r) => ({ group: r.group_name, name: r.name, source: r.source, createdAt: iso(r.created_at)! })),
      relationships: (await db('customer_follows').whereIn('customer_id', ids)).map((r) => ({ staffUserId: r.staff_userid, status: r.status, addedAt: iso(r.added_at), removedAt: iso(r.removed_at) })),
      timeline: (await db('customer_events').whereIn('customer_id', ids).orderBy('occurred_at').orderBy('id')).map((r) => ({ kind: r.kind, data: json(r.data), occurredAt: iso(r.occurred_at) })),
      orders: (await db('orders').whereIn('customer_id', ids).orderBy('paid_at')).map((r) => ({ orderNo: r.order_no, source: r.source, amountFen: Number(r.amount_fen), currency: r.currency, status: r.status, items: json(r.items), paidAt: iso(r.paid_at) })),
      coupons: (await db('coupon_claims').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ offer: r.offer_key, code: r.code, createdAt: iso(r.created_at) })),
      surveyAnswers: (await db('survey_answers').whereIn('customer_id', ids).orderBy('answered_at')).map((r) => ({ question: r.question, value: r.value, score: r.score === null ? null : Number(r.score), answeredAt: iso(r.answered_at) })),
      messagesToThem: (await db('outbox').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ text: r.text, purpose: r.purpose, status: r.status, createdAt: iso(r.created_at), sentAt: iso(r.sent_at) })),
      journeyMessages: (await db('touches').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ kind: r.kind, content: json(r.payload), status: r.status, channel: r.channel, sentAt: iso(r.sent_at) })),
      tasks: (await db('tasks').whereIn('customer_id', ids).orderBy('id')).map((r) => ({ title: r.title, status: r.status, outcome: r.outcome, dueAt: iso(r.due_at) })),
      segments: (await db('customer_rfm').whereIn('customer_id', ids)).map((r) => ({ segment: r.segment, computedAt: iso(r.computed_at) })),
    };
  }
}

export function personalDataTransactor(db: Knex) {
  return {
    transaction: <T>(fn: (r: PersonalDataTx) => Promise<T>): Promise<T> => transact(db, (trx) => fn({ data: new SqlPersonalDataRepo(trx), audit: new SqlMpRepo(trx) })),
  };
}

export function optOutTransactor(db: Knex) {
  return {
    transaction: <T>(fn: (r: OptOutTx) => Promise<T>): Promise<T> =>
      transact(db, (trx) => {
        const mp = new SqlMpRepo(trx);
        return fn({ customers: new SqlCustomerRepo(trx), audit: mp, placements: mp });
      }),
  };
}
