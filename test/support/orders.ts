import { createHmac, randomBytes } from 'node:crypto';
import type { Siyu } from '../../src/main/compose.js';

/** Rows in the tables an order writes to, to prove a refused request wrote nothing. */
export async function orderFootprint(siyu: Siyu) {
  const n = async (table: string) => Number((await siyu.db(table).count({ n: '*' }))[0]!.n);
  return { orders: await n('orders'), customers: await n('customers'), identities: await n('customer_identities'), events: await n('customer_events'), tags: await n('customer_tags') };
}

export async function purchases(siyu: Siyu, customerId: number) {
  const r = await siyu.db('customers').where({ id: customerId }).first('order_count', 'total_spent_fen', 'first_purchase_at', 'last_purchase_at', 'stage');
  return { orderCount: Number(r.order_count), totalSpentFen: Number(r.total_spent_fen), firstPurchaseAt: r.first_purchase_at === null ? null : Number(r.first_purchase_at), lastPurchaseAt: r.last_purchase_at === null ? null : Number(r.last_purchase_at), stage: r.stage as string };
}

/** A mall/POS client: signs each request as README describes. */
export function posClient(siyu: Siyu, source: string, secret: string) {
  return async (body: unknown, o: { timestamp?: number; nonce?: string; signature?: string; source?: string; rawBody?: string } = {}) => {
    const raw = o.rawBody ?? JSON.stringify(body);
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = o.nonce ?? randomBytes(12).toString('hex');
    const signature = o.signature ?? createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${raw}`).digest('hex');
    const res = await fetch(`${siyu.url}/api/integrations/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-siyu-source': o.source ?? source, 'x-siyu-timestamp': timestamp, 'x-siyu-nonce': nonce, 'x-siyu-signature': signature },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, nonce, timestamp, signature, raw };
  };
}
