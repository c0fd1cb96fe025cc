import Router from '@koa/router';
import type { OrderService } from '../../domain/order/order.service.js';
import { parseJsonText, readBytes } from '../body.js';
import { integrationOrderBody, presentOrder } from './orders.routes.js';

/**
 * Public API for malls and POS systems, authenticated by each source's HMAC signature (README:
 * "Signing integration requests") instead of the admin key.
 */
export function integrationRoutes(d: { orders: OrderService }): Router {
  const r = new Router({ prefix: '/api/integrations' });

  r.post('/orders', async (ctx) => {
    const rawBody = await readBytes(ctx, 256 * 1024);
    const source = await d.orders.verifySigned({
      sourceKey: ctx.get('x-siyu-source'),
      timestamp: ctx.get('x-siyu-timestamp'),
      nonce: ctx.get('x-siyu-nonce'),
      signature: ctx.get('x-siyu-signature'),
      rawBody,
    });
    const body = integrationOrderBody.parse(parseJsonText(rawBody.toString('utf8')));
    const { order, created } = await d.orders.recordFromSource(source, body);
    ctx.status = created ? 201 : 200;
    ctx.body = { created, order: presentOrder(order) };
  });

  return r;
}
