/**
 * The big tables, set-based: every statement is INSERT … SELECT over a number sequence or over
 * the customers already written, one range of customer ids at a time (bounded transactions,
 * flat memory). Per customer, on average: ~1.15 orders (45% never bought), ~10 timeline
 * events, ~4.9 scans on their store's channels, ~1.2 follows, 3 tags, ~0.3 tasks, journey runs
 * and touches after a first order. Totals on customers equal their orders exactly.
 */
import type { Knex } from 'knex';
import { DAY_MS } from '../../src/shared/shanghai-time.js';
import { CHANNELS_PER_STORE, REPS_PER_STORE, SEED_CORP, TAG_COUNT } from './people.js';
import { lit, type Dialect } from './sql.js';

export interface Ctx {
  db: Knex;
  d: Dialect;
  customers: number;
  stores: number;
  now: number;
}

/** Order count by bucket (h % 100): 45% none, 35% one, then a tail of regulars (~1.15 on average). */
const orderCount = (h: string) => `CASE WHEN ${h} < 45 THEN 0 WHEN ${h} < 80 THEN 1 WHEN ${h} < 88 THEN 2 WHEN ${h} < 93 THEN 3 WHEN ${h} < 96 THEN 4 WHEN ${h} < 98 THEN 6 ELSE 12 END`;
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲燕晨宇欣怡子涵';

/** What an order's amount is made of, from the customer id alone (orders and totals agree). */
export const base = (d: Dialect, id: string) => `(1900 + ${d.h(20, id)} % 38000)`;
export const step = (d: Dialect, id: string) => `(${d.h(21, id)} % 600)`;

export function customersSql(c: Ctx, lo: number, hi: number): string {
  const { d, now, stores } = c;
  const given = (k: number) => `SUBSTR(${lit(GIVEN)}, 1 + ${d.h(k, 'seq')} % ${GIVEN.length}, 1)`;
  const inner = `SELECT seq AS id, 1 + ${d.h(1, 'seq')} % ${stores} AS st, 1 + ${d.h(2, 'seq')} % ${REPS_PER_STORE} AS rep, ${d.h(3, 'seq')} % 100 < 95 AS owned,
      1 + ${d.h(4, 'seq')} % ${CHANNELS_PER_STORE} AS chk,
      ${now} - (${d.h(5, 'seq')} % 730) * ${DAY_MS} - (${d.h(6, 'seq')} % 1000) * 86400 AS created,
      ${orderCount(`(${d.h(7, 'seq')} % 100)`)} AS oc, ${d.h(8, 'seq')} % 20 AS firstAfter,
      ${d.cat(`SUBSTR(${lit(SURNAMES)}, 1 + ${d.h(9, 'seq')} % ${SURNAMES.length}, 1)`, given(10), `CASE WHEN ${d.h(11, 'seq')} % 2 = 0 THEN ${given(12)} ELSE '' END`)} AS name,
      ${d.h(13, 'seq')} % 3 AS gender, ${d.h(14, 'seq')} % 50 = 0 AS optout,
      CASE WHEN ${d.h(15, 'seq')} % 10 < 4 THEN ${now} - (${d.h(16, 'seq')} % 200) * ${DAY_MS} END AS inbound
    FROM ${d.seq(lo, hi)} q`;
  const withFirst = `SELECT x.*, CASE WHEN oc > 0 THEN ${d.least(`created + 3600000 + firstAfter * ${DAY_MS}`, `${now} - 3600000`)} END AS first FROM (${inner}) x`;
  const withLast = `SELECT y.*, first + (oc - 1) * ${d.div(`${now} - first`, 'oc')} AS last FROM (${withFirst}) y`;
  return `INSERT INTO customers (id, store_id, name, avatar, gender, owner_userid, first_channel_id, stage, opted_out, merged_into, create_ref, created_at, updated_at,
      phone_enc, phone_tail, order_count, total_spent_fen, first_purchase_at, last_purchase_at, last_inbound_at, name_source)
    SELECT z.id, st, name, NULL, gender, CASE WHEN owned THEN ${d.cat("'rep'", 'st', "'_'", 'rep')} END, (st - 1) * ${CHANNELS_PER_STORE} + chk,
      CASE WHEN oc = 0 THEN 'lead' WHEN ${now} - last > ${120 * DAY_MS} THEN 'dormant' WHEN oc = 1 THEN 'new' ELSE 'repeat' END,
      optout, NULL, NULL, created, ${d.least('created + 3600000', String(now))}, p.enc, p.tail, oc,
      oc * ${base(d, 'z.id')} + ${step(d, 'z.id')} * ${d.div('oc * (oc - 1)', '2')}, first, last, inbound, 'wechat'
    FROM (${withLast}) z LEFT JOIN seed_phone p ON p.customer_id = z.id`;
}

/** Statements run per range of customer ids, in order, each with its table for the timings. */
export function perCustomerSql(c: Ctx, lo: number, hi: number): Array<[string, string]> {
  const { d, now } = c;
  const range = `c.id BETWEEN ${lo} AND ${hi}`;
  const nEvents = `(4 + ${d.h(30, 'c.id')} % 13)`;
  const kindOf = `CASE WHEN k.seq = 1 THEN 'contact_added' WHEN k.seq = 2 THEN 'welcome_sent' WHEN k.seq = 3 THEN 'tags_added' ELSE
      CASE ${d.h(31, 'c.id * 31 + k.seq')} % 10 WHEN 0 THEN 'message_in' WHEN 1 THEN 'message_in' WHEN 2 THEN 'message_in' WHEN 3 THEN 'message_in'
        WHEN 4 THEN 'message_out' WHEN 5 THEN 'message_out' WHEN 6 THEN 'message_out' WHEN 7 THEN 'touch_sent' WHEN 8 THEN 'note_added' ELSE 'order_paid' END END`;
  const dataOf = `CASE WHEN k.seq = 1 THEN ${d.cat(`'{"state":"ch'`, 'c.store_id', "'x'", `c.first_channel_id - (c.store_id - 1) * ${CHANNELS_PER_STORE}`, `'"}'`)}
      WHEN k.seq = 3 THEN '{"tags":["兴趣:护肤"]}' ELSE '{"text":"您好，请问这款还有货吗？周末到店可以试用吗"}' END`;
  const leadRow = `${d.h(40, 'c.id')} % 100 < 45`;
  const hasFollow = `c.owner_userid IS NOT NULL`;
  const followStatus = `CASE WHEN ${d.h(41, 'c.id')} % 100 < 92 THEN 'active' WHEN ${d.h(41, 'c.id')} % 100 < 97 THEN 'deleted_by_customer' ELSE 'deleted_by_staff' END`;
  const trigger = d.cat("'order:SO'", 'c.id', "'-1'");
  return [
    [
      'customer_identities',
      `INSERT INTO customer_identities (customer_id, kind, scope, value, created_at)
       SELECT c.id, 'wecom_external', '${SEED_CORP}', ${d.cat("'wmSEED'", 'c.id')}, c.created_at FROM customers c WHERE ${range} AND ${hasFollow}`,
    ],
    [
      'customer_identities',
      `INSERT INTO customer_identities (customer_id, kind, scope, value, created_at)
       SELECT p.customer_id, 'phone_hash', '', p.hash, c.created_at FROM seed_phone p JOIN customers c ON c.id = p.customer_id WHERE ${range}`,
    ],
    [
      'customer_follows',
      `INSERT INTO customer_follows (customer_id, staff_userid, channel_id, state, status, added_at, removed_at)
       SELECT c.id, c.owner_userid, c.first_channel_id, ${d.cat("'ch'", 'c.store_id', "'x'", `c.first_channel_id - (c.store_id - 1) * ${CHANNELS_PER_STORE}`)}, ${followStatus}, c.created_at,
         CASE WHEN ${followStatus} <> 'active' THEN ${d.least(`c.created_at + (${d.h(42, 'c.id')} % 300) * ${DAY_MS}`, String(now))} END
       FROM customers c WHERE ${range} AND ${hasFollow}`,
    ],
    [
      'customer_follows',
      `INSERT INTO customer_follows (customer_id, staff_userid, channel_id, state, status, added_at, removed_at)
       SELECT c.id, ${d.cat("'mgr'", 'c.store_id')}, NULL, NULL, 'active', c.created_at + 600000, NULL
       FROM customers c WHERE ${range} AND ${hasFollow} AND ${d.h(43, 'c.id')} % 100 < 18`,
    ],
    [
      'leads',
      `INSERT INTO leads (customer_id, channel_id, link_state, staff_userid, wecom_config_id, qr_code_url, visitor_id, name, phone_enc, linked_at, created_at)
       SELECT c.id, c.first_channel_id, ${d.cat("'ld'", 'c.id')}, COALESCE(c.owner_userid, ${d.cat("'rep'", 'c.store_id', "'_1'")}), ${d.cat("'lcfg'", 'c.id')}, NULL,
         ${d.cat("'v'", 'c.id')}, c.name, p.enc, CASE WHEN ${hasFollow} THEN c.created_at END, c.created_at - 120000
       FROM customers c JOIN seed_phone p ON p.customer_id = c.id WHERE ${range} AND ${leadRow}`,
    ],
    [
      'coupon_claims',
      `INSERT INTO coupon_claims (customer_id, channel_id, offer_key, code, created_at)
       SELECT c.id, c.first_channel_id, ${d.cat("'channel:'", 'c.first_channel_id')}, ${d.cat("'C'", 'c.id')}, c.created_at - 60000
       FROM customers c JOIN seed_phone p ON p.customer_id = c.id WHERE ${range} AND ${leadRow} AND c.first_channel_id % 2 = 1 AND ${d.h(44, 'c.id')} % 100 < 40`,
    ],
    [
      'customer_tags',
      `INSERT INTO customer_tags (customer_id, tag_id, source, created_at)
       SELECT c.id, 1 + (${d.h(45, 'c.id')} + k.seq * 7) % ${TAG_COUNT}, CASE WHEN k.seq = 1 THEN 'channel' ELSE 'staff' END, c.created_at + k.seq * 3600000
       FROM customers c JOIN ${d.seq(1, 3)} k ON 1 = 1 WHERE ${range}`,
    ],
    [
      'orders',
      `INSERT INTO orders (store_id, customer_id, source, order_no, amount_fen, currency, status, paid_at, channel_id, items, created_at)
       SELECT c.store_id, c.id, CASE WHEN ${d.h(46, 'c.id')} % 5 = 0 THEN 'wxpay' ELSE ${d.cat("'pos:s'", 'c.store_id')} END, ${d.cat("'SO'", 'c.id', "'-'", 'k.seq')},
         ${base(d, 'c.id')} + (k.seq - 1) * ${step(d, 'c.id')}, 'CNY', 'paid',
         c.first_purchase_at + (k.seq - 1) * CASE WHEN c.order_count > 1 THEN ${d.div('c.last_purchase_at - c.first_purchase_at', 'c.order_count - 1')} ELSE 0 END,
         c.first_channel_id,
         ${d.cat(`'[{"sku":"SKU'`, `${d.h(47, 'c.id')} % 300`, `'","name":"精选商品","qty":1,"priceFen":'`, `${base(d, 'c.id')} + (k.seq - 1) * ${step(d, 'c.id')}`, "'}]'")},
         c.first_purchase_at + (k.seq - 1) * CASE WHEN c.order_count > 1 THEN ${d.div('c.last_purchase_at - c.first_purchase_at', 'c.order_count - 1')} ELSE 0 END
       FROM customers c JOIN ${d.seq(1, 12)} k ON k.seq <= c.order_count WHERE ${range}`,
    ],
    [
      'customer_events',
      `INSERT INTO customer_events (customer_id, kind, channel_id, staff_userid, data, occurred_at, source_event_id)
       SELECT c.id, ${kindOf}, CASE WHEN k.seq = 1 THEN c.first_channel_id END, c.owner_userid, ${dataOf},
         ${d.least(`c.created_at + (k.seq - 1) * ${d.div(`${now} - c.created_at`, nEvents)} + ${d.h(32, 'c.id + k.seq')} % 3600000`, String(now))}, NULL
       FROM customers c JOIN ${d.seq(1, 16)} k ON k.seq <= ${nEvents} WHERE ${range}`,
    ],
    [
      'tasks',
      `INSERT INTO tasks (store_id, customer_id, staff_userid, kind, title, due_at, status, outcome, done_at, source_key, created_at)
       SELECT c.store_id, c.id, COALESCE(c.owner_userid, ${d.cat("'mgr'", 'c.store_id')}), CASE WHEN ${d.h(50, 'c.id')} % 3 = 0 THEN 'handoff' ELSE 'followup' END,
         ${d.cat("'回访客户'", 'c.name')}, c.created_at + ${2 * DAY_MS}, CASE WHEN ${d.h(51, 'c.id')} % 10 < 7 AND c.created_at < ${now - 3 * DAY_MS} THEN 'done' ELSE 'open' END,
         NULL, NULL, ${d.cat("'seed:'", 'c.id')}, c.created_at + 60000
       FROM customers c WHERE ${range} AND ${d.h(52, 'c.id')} % 10 < 3`,
    ],
    [
      'journey_runs',
      `INSERT INTO journey_runs (journey_id, customer_id, store_id, trigger_ref, status, step_index, next_at, exit_reason, entered_at, ended_at)
       SELECT 1, c.id, c.store_id, ${trigger}, CASE WHEN c.first_purchase_at < ${now - 40 * DAY_MS} THEN 'completed' ELSE 'active' END, 5,
         c.first_purchase_at + ${30 * DAY_MS}, NULL, c.first_purchase_at, CASE WHEN c.first_purchase_at < ${now - 40 * DAY_MS} THEN c.first_purchase_at + ${30 * DAY_MS} END
       FROM customers c WHERE ${range} AND c.order_count > 0`,
    ],
    [
      'journey_runs',
      `INSERT INTO journey_runs (journey_id, customer_id, store_id, trigger_ref, status, step_index, next_at, exit_reason, entered_at, ended_at)
       SELECT 2, c.id, c.store_id, 'dormant:seed', 'completed', 1, c.last_purchase_at + ${100 * DAY_MS}, NULL, c.last_purchase_at + ${95 * DAY_MS}, c.last_purchase_at + ${100 * DAY_MS}
       FROM customers c WHERE ${range} AND c.stage = 'dormant' AND ${d.h(53, 'c.id')} % 10 < 4`,
    ],
  ];
}

/** Touches (two per post-purchase run, one per reactivation run), their outbox rows and NPS answers. */
export function perRunSql(c: Ctx, lo: number, hi: number): Array<[string, string]> {
  const { d, now } = c;
  const range = `r.customer_id BETWEEN ${lo} AND ${hi}`;
  const idem = d.cat('r.journey_id', "':'", 'r.customer_id', "':'", 'r.trigger_ref', "':'", 'k.seq');
  const stepIndex = 'CASE WHEN k.seq = 1 THEN 1 ELSE 5 END';
  const due = `r.entered_at + CASE WHEN k.seq = 1 THEN 600000 ELSE ${7 * DAY_MS} END`;
  const viaBot = `${d.h(60, 'r.customer_id')} % 10 < 6`;
  return [
    [
      'touches',
      `INSERT INTO touches (idem_key, run_id, journey_id, customer_id, store_id, step_index, kind, payload, marketing, status, channel, skip_reason, ref, attempts, deferrals, due_at, created_at, sent_at)
       SELECT ${idem}, r.id, r.journey_id, r.customer_id, r.store_id, ${stepIndex}, CASE WHEN k.seq = 1 THEN 'message' ELSE 'question' END,
         CASE WHEN k.seq = 1 THEN '{"text":"感谢{name}的购买！送您一张复购券，券码 {coupon}，下次到店出示即可使用。","coupon":"SEEDCPN"}' ELSE '{"question":"nps"}' END, 1,
         CASE WHEN ${due} > ${now} THEN 'pending' WHEN ${d.h(61, 'r.customer_id + k.seq')} % 20 = 0 THEN 'skipped' ELSE 'sent' END,
         CASE WHEN ${due} > ${now} THEN NULL WHEN ${viaBot} THEN 'bot' ELSE 'template' END,
         CASE WHEN ${due} <= ${now} AND ${d.h(61, 'r.customer_id + k.seq')} % 20 = 0 THEN 'no_route' END, NULL, 1, 0, ${due}, r.entered_at,
         CASE WHEN ${due} <= ${now} AND ${d.h(61, 'r.customer_id + k.seq')} % 20 <> 0 THEN ${due} + 5000 END
       FROM journey_runs r JOIN ${d.seq(1, 2)} k ON k.seq = 1 OR r.journey_id = 1 WHERE ${range}`,
    ],
    [
      'outbox',
      `INSERT INTO outbox (account, dedupe_key, action, target_kind, target_id, text, mention_ids, customer_id, purpose, status, attempts, due_at, created_at, sent_at)
       SELECT 'seedbot', ${d.cat("'touch:'", 't.idem_key')}, 'say', 'dm', ${d.cat("'wmSEED'", 't.customer_id')}, '感谢您的购买！', '[]', t.customer_id, 'marketing', 'sent', 1, t.due_at, t.due_at, t.sent_at
       FROM touches t WHERE t.customer_id BETWEEN ${lo} AND ${hi} AND t.channel = 'bot' AND t.status = 'sent'`,
    ],
    [
      'survey_answers',
      `INSERT INTO survey_answers (customer_id, question, ref, value, score, store_id, answered_at)
       SELECT t.customer_id, 'nps', ${d.cat("'touch:'", 't.idem_key')}, ${d.cat("''", `${d.h(62, 't.customer_id')} % 11`)}, ${d.h(62, 't.customer_id')} % 11, t.store_id, t.sent_at + 3600000
       FROM touches t WHERE t.customer_id BETWEEN ${lo} AND ${hi} AND t.kind = 'question' AND t.status = 'sent' AND ${d.h(63, 't.customer_id')} % 10 < 4`,
    ],
  ];
}

/** Scans are not per customer: ~4.9 per customer over the last 400 days, on every channel. */
export function scansSql(c: Ctx, lo: number, hi: number): string {
  const { d } = c;
  const channels = c.stores * CHANNELS_PER_STORE;
  const ua = `CASE ${d.h(73, 'q.seq')} % 3 WHEN 0 THEN 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.47'
    WHEN 1 THEN 'Mozilla/5.0 (Linux; Android 14; V2203A) AppleWebKit/537.36 Chrome/116.0 Mobile MicroMessenger/8.0.47' ELSE 'Mozilla/5.0 (Linux; Android 13; 22081212C) AppleWebKit/537.36 MicroMessenger/8.0.44' END`;
  return `INSERT INTO scans (channel_id, visitor_id, ip_hash, user_agent, day, first_of_day, created_at)
    SELECT 1 + ${d.h(70, 'q.seq')} % ${channels}, ${d.cat("'v'", `${d.h(71, 'q.seq')} % ${Math.max(1000, 2 * c.customers)}`)}, ${d.hash64('q.seq')}, ${ua},
      dd.ymd, ${d.h(72, 'q.seq')} % 10 < 8, ${d.least(`dd.start + ${d.h(74, 'q.seq')} % ${DAY_MS / 1000} * 1000`, String(c.now))}
    FROM ${d.seq(lo, hi)} q JOIN seed_days dd ON dd.d = ${d.h(75, 'q.seq')} % 400`;
}
