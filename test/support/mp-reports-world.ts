import type { ExecutionContext } from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { ManualClock } from '../../src/shared/clock.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { admin, startApp } from './app.js';
import { addStore, loginAs, mp, saveStaff } from './mp.js';
import { STAFF, type Who } from './mp-world.js';

export { STAFF, type Who };

/** 2026-06-15 12:00 in Asia/Shanghai. */
export const NOW = Date.UTC(2026, 5, 15, 4, 0, 0);
export const DAY = 86_400_000;
export const TODAY = '2026-06-15';

/**
 * Two stores with a manager and reps each, everyone logged in, and a customer per rep
 * (c1 of rep1a and c2 of rep1b in store 1, c3 of rep2 in store 2) each from a channel that
 * routes to their rep. Reports data is added by the tests that need it.
 */
export async function mpWorld(t: ExecutionContext) {
  const clock = new ManualClock(NOW);
  const siyu = await startApp(t, { options: { clock } });
  const stores = { s1: await addStore(siyu, 's1'), s2: await addStore(siyu, 's2') };
  for (const s of STAFF) await saveStaff(siyu, { wecomUserId: s.wecomUserId, role: s.role, storeId: s.store ? stores[s.store] : null });
  const tokens = {} as Record<Who, string>;
  for (const s of STAFF) tokens[s.wecomUserId] = (await loginAs(siyu, s.wecomUserId)).accessToken;
  const channel = async (code: string, storeId: number, rep: string, building: string) => {
    const [id] = await siyu.db('channels').insert({
      code,
      name: `渠道${code}`,
      kind: 'elevator',
      store_id: storeId,
      staff_userids: JSON.stringify([rep]),
      welcome_text: '欢迎',
      tags: '[]',
      attributes: JSON.stringify({ 楼栋: building }),
      status: 'active',
      sync_state: 'synced',
      created_at: 1,
      updated_at: 1,
    });
    return Number(id);
  };
  const ch = { ch1: await channel('ch1', stores.s1, 'rep1a', '1号楼'), ch2: await channel('ch2', stores.s1, 'rep1b', '2号楼'), ch3: await channel('ch3', stores.s2, 'rep2', '1号楼') };
  const pii = new PiiCipher(siyu.config.piiKey);
  const customer = async (name: string, storeId: number, owner: string, phone: string, channelId: number) => {
    const [id] = await siyu.db('customers').insert({ name, store_id: storeId, owner_userid: owner, stage: 'new', first_channel_id: channelId, phone_enc: pii.encrypt(phone), phone_tail: phone.slice(-4), created_at: NOW - DAY, updated_at: NOW - DAY });
    return Number(id);
  };
  const c = {
    c1: await customer('张三', stores.s1, 'rep1a', '13800001234', ch.ch1),
    c2: await customer('李四', stores.s1, 'rep1b', '13900005678', ch.ch2),
    c3: await customer('王五', stores.s2, 'rep2', '13700009999', ch.ch3),
  };
  const call = mp(siyu);
  const as = (who: Who, method: string, path: string, body?: unknown) => call(method, path, { token: tokens[who], body });
  /** A raw response (CSV downloads). */
  const raw = (who: Who, path: string) => fetch(`${siyu.url}/api/mp${path}`, { headers: { authorization: `Bearer ${tokens[who]}` } });
  return { siyu, clock, stores, ch, c, tokens, call, as, raw };
}

export type MpWorld = Awaited<ReturnType<typeof mpWorld>>;

/** A journey through the admin API: wait, a message, another wait, a task. */
export async function addJourney(siyu: Siyu, name: string, storeId: number | null): Promise<number> {
  const res = await admin(siyu).post('/api/journeys', {
    name,
    storeId,
    trigger: 'order_paid',
    steps: [
      { type: 'wait', days: 1 },
      { type: 'send', text: '感谢{name}的购买！' },
      { type: 'wait', minutes: 120, at: '10:00' },
      { type: 'task', title: '回访 {name}' },
    ],
  });
  if (res.status !== 201) throw new Error(`journey: ${res.status} ${res.text}`);
  return res.json.id as number;
}

export async function addOrder(siyu: Siyu, o: { customerId: number; storeId: number; amountFen: number; paidAt: number; channelId?: number; no: string }): Promise<number> {
  const [id] = await siyu.db('orders').insert({ store_id: o.storeId, customer_id: o.customerId, source: 'pos', order_no: o.no, amount_fen: o.amountFen, status: 'paid', paid_at: o.paidAt, channel_id: o.channelId ?? null, items: '[]', created_at: o.paidAt });
  return Number(id);
}

/** Everything a report or journey call could write, to prove a refused call wrote nothing. */
export async function footprint(siyu: Siyu) {
  return {
    journeys: await siyu.db('journeys').orderBy('id').select('id', 'enabled', 'steps', 'updated_at'),
    audit: Number((await siyu.db('audit_log').count({ n: '*' }))[0]!.n),
    runs: await siyu.db('journey_runs').orderBy('id').select('id', 'status', 'next_at'),
  };
}
