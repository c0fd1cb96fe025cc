import type { FunnelRow as DomainFunnelRow } from '../../domain/report/funnel.js';
import type { Siyu } from '../../main/compose.js';
import { DAY_MS } from '../../shared/shanghai-time.js';
import { describeLift, type Verdict } from '../../shared/proportions.js';
import type { AdminApi } from './http-clients.js';

/** What the demo did, counted on its own side (the reports must agree with it). */
export interface Driven {
  /** Per channel name, within the simulated month. */
  channels: Record<string, { scans: number; visitors: number; leads: number; adds: number; firstOrders: number }>;
  /** People in the dormant cohort. */
  cohort: number;
  /** Every add through WeCom (cohort included): each must have had its welcome. */
  adds: number;
  /** Messages customers sent to the bot. */
  inbound: number;
  /** Demo indexes of customers who asked for a person or went unanswered twice. */
  handoffs: Set<number>;
  /** Journey messages and questions the customers' phones received, per journey key. */
  journeyHeard: { post_purchase: number; reactivation: number };
  /** NPS questions of the post-purchase journey the phones received. */
  npsAsked: number;
  /** NPS scores the customers answered. */
  nps: number[];
  /** Orders placed in the month (POS API and operator entry). */
  orders: number;
  /** Tasks reps completed in the mini-program. */
  tasksDone: number;
}

/** A funnel row as GET /api/funnel reports it, without the channel ids. */
export type FunnelRow = Omit<DomainFunnelRow, 'channelIds'>;

export interface JourneyEffect {
  key: string;
  name: string;
  /** Touches by status (sent, skipped, …) and delivered / replied / converted, as GET /api/journeys/:id reports them. */
  stats: Record<string, number>;
}

export interface Lift {
  treated: number;
  holdout: number;
  treatedConverted: number;
  holdoutConverted: number;
  treatedRate: number | null;
  holdoutRate: number | null;
  lift: number | null;
  /** Newcombe's 95% interval of the lift, its verdict and the note people read. */
  ci95: { low: number; high: number } | null;
  note: string;
  verdict: string;
}

/** The month as the admin API and the mini-program API report it once the demo is done. */
export interface Summary {
  period: { from: string; to: string };
  funnel: { byBuilding: FunnelRow[]; byChannel: FunnelRow[] };
  journeys: JourneyEffect[];
  reactivation: Lift;
  nps: { responses: number; promoters: number; passives: number; detractors: number; nps: number | null };
  segments: Array<{ segment: string; label: string; customers: number }>;
  orders: number;
  handoffsWaiting: number;
  /** Welcomes the sandbox WeCom received (send_welcome_msg), all time. */
  welcomesSent: number;
  /** Seen by the demo HQ admin in the mini-program. */
  mp: { customers: number; storeTasks: number };
}

export const day = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** Reads the month back through the admin and mini-program APIs. */
export async function collectSummary(siyu: Siyu, api: AdminApi, q: { from: number; to: number; storeId: number; batchKey: string; hq: string }): Promise<Summary> {
  const s = await reportFromApis(siyu.url!, api, q);
  return { ...s, welcomesSent: siyu.emulator!.welcomes.length };
}

/**
 * The report part of the summary, from the APIs only, so it can be read again from a later
 * process on the same database (the demo's test does exactly that).
 */
export async function reportFromApis(baseUrl: string, api: AdminApi, q: { from: number; to: number; storeId: number; batchKey: string; hq: string }): Promise<Omit<Summary, 'welcomesSent'>> {
  const period = { from: day(q.from), to: day(q.to) };
  const span = `from=${period.from}&to=${period.to}`;
  const funnel = async (groupBy: string) => (await api.get(`/api/funnel?${span}&groupBy=${encodeURIComponent(groupBy)}&batchKey=${q.batchKey}`)).rows as FunnelRow[];
  const pick = (r: FunnelRow): FunnelRow => ({ key: r.key, scans: r.scans, visitors: r.visitors, leads: r.leads, leadsAdded: r.leadsAdded, adds: r.adds, addsWithoutLead: r.addsWithoutLead, addsFirstOrder: r.addsFirstOrder, claims: r.claims, firstOrders: r.firstOrders, revenueFen: r.revenueFen, rates: r.rates });
  const journeys: JourneyEffect[] = [];
  for (const j of (await api.get('/api/journeys')).items as Array<{ id: number; key: string | null; name: string }>) {
    journeys.push({ key: j.key ?? String(j.id), name: j.name, stats: (await api.get(`/api/journeys/${j.id}`)).stats });
  }
  const lift = await api.get(`/api/reactivation/lift?from=${q.from}&to=${q.to + DAY_MS}`);
  const arm = (a: 'treated' | 'holdout') => (lift.arms as Array<{ arm: string; entered: number; converted: number }>).filter((x) => x.arm === a);
  const sum = (rows: Array<{ entered: number; converted: number }>, k: 'entered' | 'converted') => rows.reduce((n, r) => n + r[k], 0);
  const overall = (lift.lift as Array<{ segment: string | null; treatedRate: number | null; holdoutRate: number | null; lift: number | null; ci95: { low: number; high: number } | null; verdict: string; note: string }>).find((l) => l.segment === 'all')!;
  const nps = await api.get(`/api/reports/nps?${span}&storeId=${q.storeId}`);
  const orders = await api.get(`/api/orders?from=${encodeURIComponent(new Date(q.from).toISOString())}&to=${encodeURIComponent(new Date(q.to + DAY_MS).toISOString())}&limit=1`);
  const mpGet = async (path: string) => {
    const res = await fetch(`${baseUrl}/api/mp${path}`, { headers: { authorization: `Bearer ${q.hq}` } });
    if (res.status !== 200) throw new Error(`GET /api/mp${path} → ${res.status}`);
    return (await res.json()) as { total: number };
  };
  return {
    period,
    funnel: { byBuilding: (await funnel('楼栋')).map(pick), byChannel: (await funnel('channel')).map(pick) },
    journeys,
    reactivation: {
      treated: sum(arm('treated'), 'entered'),
      holdout: sum(arm('holdout'), 'entered'),
      treatedConverted: sum(arm('treated'), 'converted'),
      holdoutConverted: sum(arm('holdout'), 'converted'),
      treatedRate: overall?.treatedRate ?? null,
      holdoutRate: overall?.holdoutRate ?? null,
      lift: overall?.lift ?? null,
      ci95: overall?.ci95 ?? null,
      verdict: overall?.verdict ?? 'no_data',
      note: overall?.note ?? '',
    },
    nps: { responses: nps.responses, promoters: nps.promoters, passives: nps.passives, detractors: nps.detractors, nps: nps.nps },
    segments: ((await api.get(`/api/segments?storeId=${q.storeId}`)).items as Array<{ segments: Array<{ segment: string; label: string; customers: number }> }>)
      .flatMap((x) => x.segments)
      .map((x) => ({ segment: x.segment, label: x.label, customers: x.customers })),
    orders: orders.total,
    handoffsWaiting: ((await api.get('/api/bot/conversations')).items as unknown[]).length,
    mp: { customers: (await mpGet('/customers?limit=1')).total, storeTasks: (await mpGet('/tasks?scope=store&limit=1')).total },
  };
}

const pct = (x: number | null) => (x === null ? '  –  ' : `${(x * 100).toFixed(1)}%`);
/** Pads by display width: CJK characters take two columns. */
const pad = (s: string | number, w: number, right = false) => {
  const t = String(s);
  const width = [...t].reduce((n, ch) => n + (/[\u2e80-\uffff]/.test(ch) ? 2 : 1), 0);
  const fill = ' '.repeat(Math.max(0, w - width));
  return right ? fill + t : t + fill;
};

/** The summary as a terminal report (Chinese labels, like the product). */
export function formatSummary(s: Summary, o: { seconds: number; scale: number; seed: number }): string {
  const out: string[] = [];
  out.push(`思域 演示：${s.period.from} 至 ${s.period.to}（加速模拟 30 天，规模 ${o.scale}，种子 ${o.seed}，用时 ${o.seconds.toFixed(1)} 秒）`, '');
  const table = (title: string, rows: FunnelRow[]) => {
    out.push(title);
    out.push(`  ${pad('投放位', 16)}${pad('扫码', 7, true)}${pad('访客', 7, true)}${pad('留资', 7, true)}${pad('加微', 7, true)}${pad('首单', 7, true)}${pad('首单金额', 12, true)}${pad('访客→留资', 12, true)}${pad('留资→加微', 12, true)}${pad('加微→首单', 12, true)}`);
    for (const r of rows) {
      out.push(
        `  ${pad(r.key, 16)}${pad(r.scans, 7, true)}${pad(r.visitors, 7, true)}${pad(r.leads, 7, true)}${pad(r.adds, 7, true)}${pad(r.firstOrders, 7, true)}${pad(`¥${(r.revenueFen / 100).toFixed(0)}`, 12, true)}${pad(pct(r.rates.visitorToLead), 12, true)}${pad(pct(r.rates.leadToAdd), 12, true)}${pad(pct(r.rates.addToFirstOrder), 12, true)}`,
      );
    }
    out.push('');
  };
  table('获客漏斗（按楼栋）', s.funnel.byBuilding);
  table('获客漏斗（按渠道）', s.funnel.byChannel);
  out.push('旅程效果（触达 = 已执行的触达：机器人消息、群发或店员任务；送达 = 机器人消息已送达；回复 / 转化 = 触达后回复过 / 14 天内下单的客户数）');
  out.push(`  ${pad('旅程', 12)}${pad('进入', 7, true)}${pad('触达', 7, true)}${pad('送达', 7, true)}${pad('跳过', 7, true)}${pad('回复', 7, true)}${pad('转化', 7, true)}`);
  for (const j of s.journeys) {
    const st = j.stats;
    const runs = Object.entries(st).filter(([k]) => k.startsWith('runs_')).reduce((n, [, v]) => n + v, 0);
    out.push(`  ${pad(j.name, 12)}${pad(runs, 7, true)}${pad(st.touches_sent ?? 0, 7, true)}${pad(st.delivered ?? 0, 7, true)}${pad(st.touches_skipped ?? 0, 7, true)}${pad(st.replied ?? 0, 7, true)}${pad(st.converted ?? 0, 7, true)}`);
  }
  out.push('');
  const r = s.reactivation;
  out.push('沉睡唤醒（对照组不触达，14 天内下单算转化）');
  out.push(`  唤醒组 ${r.treatedConverted}/${r.treated} = ${pct(r.treatedRate)}    对照组 ${r.holdoutConverted}/${r.holdout} = ${pct(r.holdoutRate)}    ${r.lift === null ? `提升 –（${r.note}）` : describeLift({ lift: r.lift, ci95: r.ci95, verdict: r.verdict as Verdict, note: r.note })}`);
  out.push('');
  out.push(`NPS：${s.nps.nps ?? '–'}（${s.nps.responses} 份回答：推荐 ${s.nps.promoters}，中立 ${s.nps.passives}，贬损 ${s.nps.detractors}）`);
  out.push(`RFM 分群（月末）：${s.segments.filter((x) => x.customers > 0).map((x) => `${x.label} ${x.customers}`).join('，') || '–'}`);
  out.push(`订单 ${s.orders} 笔；欢迎语 ${s.welcomesSent} 条；待人工接待的会话 ${s.handoffsWaiting} 个；小程序（总部视角）客户 ${s.mp.customers} 位、门店任务 ${s.mp.storeTasks} 个`);
  return out.join('\n');
}
