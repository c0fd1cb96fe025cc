import type { ExecutionContext } from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import type { Clock } from '../../src/shared/clock.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { startApp } from './app.js';
import { addStore, loginAs, mp, saveStaff } from './mp.js';

export const STAFF = [
  { wecomUserId: 'hq', role: 'hq_admin', store: null },
  { wecomUserId: 'mgr1', role: 'store_manager', store: 's1' },
  { wecomUserId: 'rep1a', role: 'rep', store: 's1' },
  { wecomUserId: 'rep1b', role: 'rep', store: 's1' },
  { wecomUserId: 'mgr2', role: 'store_manager', store: 's2' },
  { wecomUserId: 'rep2', role: 'rep', store: 's2' },
] as const;
export type Who = (typeof STAFF)[number]['wecomUserId'];

/**
 * Two stores with a manager and reps each (all known to the WeCom emulator, so channels can
 * route to them), every one logged in to the mini-program.
 */
export async function mpWorld(t: ExecutionContext, o: { clock?: Clock } = {}) {
  const siyu = await startApp(t, o.clock ? { options: { clock: o.clock } } : {});
  const stores = { s1: await addStore(siyu, 's1'), s2: await addStore(siyu, 's2') };
  for (const s of STAFF) {
    siyu.emulator!.addEmployee(s.wecomUserId, { name: s.wecomUserId });
    await saveStaff(siyu, { wecomUserId: s.wecomUserId, role: s.role, storeId: s.store ? stores[s.store] : null });
  }
  const tokens = {} as Record<Who, string>;
  for (const s of STAFF) tokens[s.wecomUserId] = (await loginAs(siyu, s.wecomUserId)).accessToken;
  const call = mp(siyu);
  const as = (who: Who, method: string, path: string, body?: unknown) => call(method, path, { token: tokens[who], body });
  const pii = new PiiCipher(siyu.config.piiKey);
  /** A customer placed directly in the database (no WeCom relationship). */
  const customer = async (name: string, storeId: number, owner: string, phone = '13800001234') => {
    const [id] = await siyu.db('customers').insert({ name, store_id: storeId, owner_userid: owner, stage: 'new', phone_enc: pii.encrypt(phone), phone_tail: phone.slice(-4), created_at: 1, updated_at: 1 });
    return Number(id);
  };
  /** An authenticated request returning the raw response (images, headers). */
  const raw = (who: Who, path: string, headers: Record<string, string> = {}) => fetch(`${siyu.url}/api/mp${path}`, { headers: { authorization: `Bearer ${tokens[who]}`, ...headers } });
  /** A JSON request with extra headers (Idempotency-Key). */
  const withHeaders = async (who: Who, method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${siyu.url}/api/mp${path}`, { method, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return { siyu, stores, tokens, call, as, raw, withHeaders, customer };
}

/** Row counts of everything an mp-operations call could write, to prove a refused call wrote nothing. */
export async function mpFootprint(siyu: Siyu) {
  const n = async (table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);
  return {
    channels: await siyu.db('channels').orderBy('id').select('id', 'status', 'updated_at'),
    orders: await n('orders'),
    customerTags: await n('customer_tags'),
    events: await n('customer_events'),
    tags: await n('tags'),
    runs: await n('journey_runs'),
  };
}
