import type { Knex } from 'knex';
import type { ContactDirectory, ConversationRepo, SurveyRepo } from '../domain/conversation/conversation.ports.js';
import type { NpsRepo } from '../domain/report/nps.js';
import type { BotCustomer, ConversationState, QuestionKey } from '../domain/conversation/conversation.types.js';

const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const toState = (r: Record<string, any>): ConversationState => ({
  key: r.conv_key,
  customerId: nn(r.customer_id),
  needsHuman: !!r.needs_human,
  handoffAt: nn(r.handoff_at),
  quietUntil: nn(r.quiet_until),
  pendingQuestion: r.pending_question ?? null,
  pendingRef: r.pending_ref ?? null,
  pendingTries: Number(r.pending_tries),
  pendingUntil: nn(r.pending_until),
});

const STATE_COLS: Record<string, string> = {
  customerId: 'customer_id',
  needsHuman: 'needs_human',
  handoffAt: 'handoff_at',
  quietUntil: 'quiet_until',
  pendingQuestion: 'pending_question',
  pendingRef: 'pending_ref',
  pendingTries: 'pending_tries',
  pendingUntil: 'pending_until',
};

const toBotCustomer = (r: Record<string, any>): BotCustomer => ({
  id: Number(r.id),
  storeId: nn(r.store_id),
  name: r.name,
  ownerUserId: r.owner_userid ?? null,
  optedOut: !!r.opted_out,
  firstChannelId: nn(r.first_channel_id),
});

const MEMO_MS = 5_000;
const MEMO_MAX = 20_000;

const CUSTOMER_COLS = ['customers.id', 'customers.store_id', 'customers.name', 'customers.owner_userid', 'customers.opted_out', 'customers.first_channel_id', 'customers.merged_into'];

/** Conversations of the bot account, the contact → customer/staff mapping, survey answers. */
export class SqlConversationRepo implements ConversationRepo, ContactDirectory, SurveyRepo, NpsRepo {
  /**
   * contact → customer for a few seconds: every message of a chat asks, and the answer rarely
   * changes. Opt-out changes made here drop the entry; a merge made by another process shows
   * after at most MEMO_MS.
   */
  private readonly memo = new Map<string, { c: BotCustomer; until: number }>();

  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  async findConversation(key: string): Promise<ConversationState | undefined> {
    const r = await this.db('conversations').where({ conv_key: key }).first();
    return r && toState(r);
  }

  async listNeedingHuman(limit: number): Promise<ConversationState[]> {
    return (await this.db('conversations').where({ needs_human: true }).orderBy('handoff_at').limit(limit)).map(toState);
  }

  async upsertConversation(
    key: string,
    base: { account: string; kind: 'dm' | 'room'; targetId: string; customerId: number | null },
    patch: Partial<Omit<ConversationState, 'key'>>,
    now: number,
  ): Promise<void> {
    const set: Record<string, unknown> = { updated_at: now };
    for (const [k, v] of Object.entries(patch)) if (STATE_COLS[k]) set[STATE_COLS[k]] = v;
    if (base.customerId !== null && set.customer_id === undefined) set.customer_id = base.customerId;
    await this.db('conversations')
      .insert({ conv_key: key, account: base.account, kind: base.kind, target_id: base.targetId, customer_id: base.customerId, ...set })
      .onConflict('conv_key')
      .merge(set);
  }

  async findCustomerByContact(account: string, contactId: string): Promise<BotCustomer | undefined> {
    const key = `${account}|${contactId}`;
    const hit = this.memo.get(key);
    if (hit && hit.until > this.now()) return hit.c;
    const c = await this.readCustomerByContact(account, contactId);
    if (c) {
      if (this.memo.size >= MEMO_MAX) this.memo.delete(this.memo.keys().next().value!);
      this.memo.set(key, { c, until: this.now() + MEMO_MS });
    }
    return c;
  }

  private async readCustomerByContact(account: string, contactId: string): Promise<BotCustomer | undefined> {
    const r = await this.db('customer_identities')
      .join('customers', 'customers.id', 'customer_identities.customer_id')
      .where({ 'customer_identities.kind': 'bot_contact', 'customer_identities.scope': account, 'customer_identities.value': contactId })
      .first(CUSTOMER_COLS);
    if (!r) return undefined;
    // A merged customer lives on in the one it was merged into.
    if (r.merged_into) {
      const m = await this.db('customers').where({ id: r.merged_into }).first(CUSTOMER_COLS);
      return m && toBotCustomer(m);
    }
    return toBotCustomer(r);
  }

  async setOptedOut(customerId: number, optedOut: boolean, now: number): Promise<boolean> {
    const n = await this.db('customers').where({ id: customerId, opted_out: !optedOut }).update({ opted_out: optedOut, updated_at: now });
    for (const [k, v] of this.memo) if (v.c.id === customerId) this.memo.delete(k);
    return n > 0;
  }

  async contactOf(account: string, customerId: number): Promise<string | undefined> {
    const r = await this.db('customer_identities').where({ kind: 'bot_contact', scope: account, customer_id: customerId }).orderBy('id', 'desc').first('value');
    return r?.value;
  }

  async contactsOf(account: string, customerIds: number[]): Promise<Map<number, string>> {
    const rows = await this.db('customer_identities').where({ kind: 'bot_contact', scope: account }).whereIn('customer_id', customerIds).orderBy('id').select('customer_id', 'value');
    // The newest contact of a customer wins (later rows overwrite).
    return new Map(rows.map((r) => [Number(r.customer_id), String(r.value)]));
  }

  async searchCustomers(q: { storeId: number | null; text: string; limit: number }) {
    const text = q.text.trim();
    const query = this.db('customers').whereNull('merged_into');
    if (q.storeId !== null) query.andWhere({ store_id: q.storeId });
    if (/^\d{4}$/.test(text)) query.andWhere({ phone_tail: text });
    // '!' escapes LIKE wildcards the same way on SQLite and MySQL (a backslash would not).
    else query.andWhereRaw("name LIKE ? ESCAPE '!'", [`%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`]);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).select([...CUSTOMER_COLS, 'customers.phone_enc', 'customers.stage']);
    const ids = rows.map((r) => Number(r.id));
    const tags = ids.length
      ? await this.db('customer_tags').join('tags', 'tags.id', 'customer_tags.tag_id').whereIn('customer_tags.customer_id', ids).select('customer_tags.customer_id', 'tags.name')
      : [];
    return rows.map((r) => ({
      ...toBotCustomer(r),
      phoneEnc: r.phone_enc ?? null,
      stage: r.stage,
      tags: tags.filter((t) => Number(t.customer_id) === Number(r.id)).map((t) => String(t.name)),
    }));
  }

  async listNpsScores(q: { from: number; to: number; storeId: number | null }): Promise<number[]> {
    const query = this.db('survey_answers').where({ question: 'nps' }).andWhere('answered_at', '>=', q.from).andWhere('answered_at', '<', q.to).whereNotNull('score');
    if (q.storeId !== null) query.andWhere({ store_id: q.storeId });
    return (await query.pluck('score')).map(Number);
  }

  async insertAnswer(a: { customerId: number; storeId: number | null; question: QuestionKey; ref: string; value: string; score: number | null; answeredAt: number }): Promise<boolean> {
    const before = await this.db('survey_answers').where({ customer_id: a.customerId, question: a.question, ref: a.ref }).first('id');
    if (before) return false;
    await this.db('survey_answers')
      .insert({ customer_id: a.customerId, store_id: a.storeId, question: a.question, ref: a.ref, value: a.value, score: a.score, answered_at: a.answeredAt })
      .onConflict(['customer_id', 'question', 'ref'])
      .ignore();
    return true;
  }
}
