import type { Knex } from 'knex';
import type { AlertStateRepo } from '../domain/alert/alert.ports.js';
import type { AlertRuleId, AlertState, Finding } from '../domain/alert/alert.types.js';
import { isDuplicate } from './db-errors.js';

interface Row {
  alert_key: string;
  rule: string;
  subject: string;
  status: AlertState['status'];
  title: string;
  detail: string;
  fired_at: number | string;
  last_notified_at: number | string | null;
  resolved_at: number | string | null;
  notices: number;
  version: number;
  updated_at: number | string;
}

const nn = (v: number | string | null) => (v === null ? null : Number(v));

const toState = (r: Row): AlertState => ({
  key: r.alert_key,
  rule: r.rule as AlertRuleId,
  subject: r.subject,
  status: r.status,
  title: r.title,
  detail: r.detail,
  firedAt: Number(r.fired_at),
  lastNotifiedAt: nn(r.last_notified_at),
  resolvedAt: nn(r.resolved_at),
  notices: Number(r.notices),
  version: Number(r.version),
  updatedAt: Number(r.updated_at),
});

const text = (f: Finding) => ({ title: f.title.slice(0, 255), detail: f.detail });

/** alert_state: one row per alert; every change is compare-and-set on `version`. */
export class SqlAlertStateRepo implements AlertStateRepo {
  constructor(private readonly db: Knex) {}

  async listAlerts(status?: AlertState['status']): Promise<AlertState[]> {
    const q = this.db<Row>('alert_state').orderBy([{ column: 'status', order: 'asc' }, { column: 'fired_at', order: 'desc' }]);
    if (status) q.where({ status });
    return (await q).map(toState);
  }

  async insertFiring(key: string, f: Finding, now: number): Promise<number | undefined> {
    try {
      await this.db('alert_state').insert({ alert_key: key, rule: f.rule, subject: f.subject.slice(0, 128), status: 'firing', ...text(f), fired_at: now, last_notified_at: now, resolved_at: null, notices: 1, version: 1, updated_at: now });
      return 1;
    } catch (e) {
      if (isDuplicate(e)) return undefined;
      throw e;
    }
  }

  reopen(key: string, version: number, f: Finding, now: number): Promise<number | undefined> {
    return this.cas(key, version, { status: 'firing', ...text(f), fired_at: now, last_notified_at: now, resolved_at: null, notices: this.db.raw('notices + 1') }, now);
  }

  updateNotified(key: string, version: number, f: Finding, notifiedAt: number | null, now: number, notices: 1 | -1): Promise<number | undefined> {
    return this.cas(key, version, { ...text(f), last_notified_at: notifiedAt, notices: this.db.raw(notices > 0 ? 'notices + 1' : 'notices - 1') }, now);
  }

  updateResolved(key: string, version: number, now: number): Promise<number | undefined> {
    return this.cas(key, version, { status: 'resolved', resolved_at: now }, now);
  }

  private async cas(key: string, version: number, set: Record<string, unknown>, now: number): Promise<number | undefined> {
    const n = await this.db('alert_state').where({ alert_key: key, version }).update({ ...set, version: version + 1, updated_at: now });
    return n === 1 ? version + 1 : undefined;
  }
}
