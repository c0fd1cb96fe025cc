import { toCsv } from '../../shared/csv.js';
import type { Channel } from '../channel/channel.types.js';

/**
 * Per-channel counts over a period; each step counts people once. Every rate is a share of one
 * group of people and never exceeds 100%: the people of the denominator who went on to the next
 * step (see FunnelRow.rates).
 */
export interface ChannelStepCounts {
  channelId: number;
  scans: number;
  visitors: number;
  leads: number;
  /** Of the period's leads, those whose person is a contact through this channel (added a rep, before or after). */
  leadsAdded: number;
  /** Distinct customers who added a rep through the channel (its QR or a lead's own QR). */
  adds: number;
  /** Of `adds`, those who never left a lead on this channel (e.g. scanned the shared QR directly). */
  addsWithoutLead: number;
  /** Of `adds`, those whose first paid order came at or after their add and before the period's end. */
  addsFirstOrder: number;
  claims: number;
  /** Customers whose first paid order falls in the period, and the paid orders' sum, by the orders' channel. */
  firstOrders: number;
  revenueFen: number;
}

export interface FunnelRepo {
  countSteps(q: { from: number; to: number; channelIds?: number[] }): Promise<ChannelStepCounts[]>;
}

export interface FunnelRow extends Omit<ChannelStepCounts, 'channelId'> {
  key: string;
  channelIds: number[];
  /**
   * Shares (0–1, 4 decimals; null when the denominator is 0):
   * - visitorToLead = leads / visitors: leads left per unique visitor of the period;
   * - leadToAdd = leadsAdded / leads: of those who left a lead, the share who added a rep (adds
   *   without a lead are not in it: they are `addsWithoutLead`);
   * - addToFirstOrder = addsFirstOrder / adds: of those who added, the share whose first order followed.
   */
  rates: { visitorToLead: number | null; leadToAdd: number | null; addToFirstOrder: number | null };
}

const UNSET = '未设置';

/**
 * A channel's value for a placement attribute named by the caller, from its own properties only:
 * `attributes[label]` would answer Object.prototype's members for labels such as toString,
 * constructor or __proto__ (a function or an object where a string is expected).
 */
export function ownAttribute(attributes: Record<string, string>, label: string): string | undefined {
  if (!Object.hasOwn(attributes, label)) return undefined;
  const v: unknown = attributes[label];
  return typeof v === 'string' ? v : undefined;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);

/**
 * Groups channel counts by channel or by one placement attribute (e.g. 楼栋), so a store can
 * see which placement pays. Channels without the attribute fall under 「未设置」.
 */
export function groupFunnel(counts: ChannelStepCounts[], channels: Channel[], groupBy: { kind: 'channel' } | { kind: 'attribute'; label: string }): FunnelRow[] {
  const byId = new Map(channels.map((c) => [c.id, c]));
  const rows = new Map<string, FunnelRow>();
  const keyOf = (c: Channel) => (groupBy.kind === 'channel' ? c.name : (ownAttribute(c.attributes, groupBy.label) ?? UNSET));
  for (const c of channels) {
    const key = keyOf(c);
    if (!rows.has(key)) {
      rows.set(key, { key, channelIds: [], scans: 0, visitors: 0, leads: 0, leadsAdded: 0, adds: 0, addsWithoutLead: 0, addsFirstOrder: 0, claims: 0, firstOrders: 0, revenueFen: 0, rates: { visitorToLead: null, leadToAdd: null, addToFirstOrder: null } });
    }
    rows.get(key)!.channelIds.push(c.id);
  }
  for (const n of counts) {
    const c = byId.get(n.channelId);
    if (!c) continue;
    const row = rows.get(keyOf(c))!;
    row.scans += n.scans;
    row.visitors += n.visitors;
    row.leads += n.leads;
    row.leadsAdded += n.leadsAdded;
    row.adds += n.adds;
    row.addsWithoutLead += n.addsWithoutLead;
    row.addsFirstOrder += n.addsFirstOrder;
    row.claims += n.claims;
    row.firstOrders += n.firstOrders;
    row.revenueFen += n.revenueFen;
  }
  for (const r of rows.values()) r.rates = { visitorToLead: ratio(r.leads, r.visitors), leadToAdd: ratio(r.leadsAdded, r.leads), addToFirstOrder: ratio(r.addsFirstOrder, r.adds) };
  return [...rows.values()].sort((a, b) => b.adds - a.adds || b.leads - a.leads || a.key.localeCompare(b.key, 'zh-CN'));
}

// The headers say what each rate is a share of, so a spreadsheet reader cannot misread them.
const CSV_HEAD = [
  '分组', '扫码次数', '访客数', '留资数', '留资后加微数', '加微数', '未留资加微数', '加微后首单数', '领券数', '首单数', '首单金额(元)',
  '留资率(留资数/访客数)', '留资→加微(留资后加微数/留资数)', '加微→首单(加微后首单数/加微数)',
];

/** CSV for spreadsheets: UTF-8 with BOM (Excel), formula-looking cells neutralised. */
export function funnelCsv(rows: FunnelRow[]): string {
  const pct = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(1)}%`);
  return toCsv(
    CSV_HEAD,
    rows.map((r) => [r.key, r.scans, r.visitors, r.leads, r.leadsAdded, r.adds, r.addsWithoutLead, r.addsFirstOrder, r.claims, r.firstOrders, (r.revenueFen / 100).toFixed(2), pct(r.rates.visitorToLead), pct(r.rates.leadToAdd), pct(r.rates.addToFirstOrder)]),
  );
}
