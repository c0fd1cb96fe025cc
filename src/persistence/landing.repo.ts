import type { Knex } from 'knex';
import { transact } from './db.js';
import type { CustomerRepo } from '../domain/customer/customer.ports.js';
import type { LandingRepo, LandingTx, Lead, ScanRecord } from '../domain/landing/landing.ports.js';
import { SqlCustomerRepo } from './customer.repo.js';
import { GroupCommit } from '../shared/group-commit.js';

const toLead = (r: Record<string, any>): Lead => ({
  id: Number(r.id),
  customerId: Number(r.customer_id),
  channelId: Number(r.channel_id),
  linkState: r.link_state,
  staffUserId: r.staff_userid,
  configId: r.wecom_config_id,
  qrCode: r.qr_code_url,
  visitorId: r.visitor_id,
  name: r.name,
  linkedAt: r.linked_at === null ? null : Number(r.linked_at),
  createdAt: Number(r.created_at),
});

export class SqlLandingRepo implements LandingRepo {
  constructor(private readonly db: Knex) {}

  // A poster campaign is a burst of scans: they are written many rows per INSERT.
  private readonly scans = new GroupCommit<ScanRecord>(async (rows) => {
    await this.db('scans').insert(
      rows.map((s) => ({ channel_id: s.channelId, visitor_id: s.visitorId, ip_hash: s.ipHash, user_agent: s.userAgent, day: s.day, first_of_day: s.firstOfDay, created_at: s.createdAt })),
    );
    // Two writes in flight: a scan arriving during a commit waits for one round trip, not two.
  }, { maxConcurrent: 2 });

  insertScan(s: ScanRecord): Promise<void> {
    return this.scans.add(s);
  }

  async leadsByRep(channelId: number, from: number, to: number): Promise<Map<string, number>> {
    const rows = await this.db('leads').where({ channel_id: channelId }).andWhere('created_at', '>=', from).andWhere('created_at', '<', to).groupBy('staff_userid').select('staff_userid').count({ n: '*' });
    return new Map((rows as Array<{ staff_userid: string; n: number | string }>).map((r) => [r.staff_userid, Number(r.n)]));
  }

  async findLeadByState(linkState: string): Promise<Lead | undefined> {
    const r = await this.db('leads').where({ link_state: linkState }).first();
    return r && toLead(r);
  }

  async findOpenLead(customerId: number, channelId: number): Promise<Lead | undefined> {
    const r = await this.db('leads').where({ customer_id: customerId, channel_id: channelId }).whereNull('linked_at').orderBy('id', 'desc').first();
    return r && toLead(r);
  }

  async insertLead(l: Omit<Lead, 'id' | 'linkedAt'> & { phoneEnc: string }): Promise<number> {
    const [id] = await this.db('leads').insert({
      customer_id: l.customerId,
      channel_id: l.channelId,
      link_state: l.linkState,
      staff_userid: l.staffUserId,
      wecom_config_id: l.configId,
      qr_code_url: l.qrCode,
      visitor_id: l.visitorId,
      name: l.name,
      phone_enc: l.phoneEnc,
      created_at: l.createdAt,
    });
    return Number(id);
  }

  async markLeadLinked(id: number, at: number): Promise<boolean> {
    return (await this.db('leads').where({ id }).whereNull('linked_at').update({ linked_at: at })) > 0;
  }

  async claimCoupon(c: { customerId: number; channelId: number | null; offerKey: string; code: string; createdAt: number }): Promise<{ code: string; fresh: boolean }> {
    await this.db('coupon_claims')
      .insert({ customer_id: c.customerId, channel_id: c.channelId, offer_key: c.offerKey, code: c.code, created_at: c.createdAt })
      .onConflict(['customer_id', 'offer_key'])
      .ignore();
    const row = await this.db('coupon_claims').where({ customer_id: c.customerId, offer_key: c.offerKey }).first('code');
    return { code: row.code, fresh: row.code === c.code };
  }

  async insertConsent(c: { customerId: number; purpose: string; textVersion: string; source: string; createdAt: number }): Promise<void> {
    await this.db('consents').insert({ customer_id: c.customerId, purpose: c.purpose, text_version: c.textVersion, source: c.source, created_at: c.createdAt });
  }
}

export function landingTransactor(db: Knex) {
  return {
    transaction: <T>(fn: (r: LandingTx) => Promise<T>): Promise<T> =>
      transact(db, (trx) => fn({ customers: new SqlCustomerRepo(trx) as CustomerRepo, landing: new SqlLandingRepo(trx) })),
  };
}
