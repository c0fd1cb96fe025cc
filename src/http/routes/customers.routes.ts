import Router from '@koa/router';
import type { CustomerService } from '../../domain/customer/customer.service.js';
import { iso, parseId } from '../validation.js';

export function customerRoutes(d: { customers: CustomerService }): Router {
  const r = new Router({ prefix: '/api/customers' });

  r.get('/:id', async (ctx) => {
    const c = await d.customers.view(parseId(ctx.params.id, 'CUSTOMER.INVALID_ID', '客户'));
    ctx.body = {
      id: c.id,
      name: c.name,
      avatar: c.avatar,
      gender: c.gender,
      storeId: c.storeId,
      ownerUserId: c.ownerUserId,
      firstChannelId: c.firstChannelId,
      stage: c.stage,
      optedOut: c.optedOut,
      createdAt: iso(c.createdAt),
      tags: c.tags,
      follows: c.follows.map((f) => ({ staffUserId: f.staffUserId, channelId: f.channelId, state: f.state, status: f.status, addedAt: iso(f.addedAt), removedAt: iso(f.removedAt) })),
      timeline: c.timeline.map((e) => ({ id: e.id, kind: e.kind, channelId: e.channelId, staffUserId: e.staffUserId, data: e.data, occurredAt: iso(e.occurredAt) })),
    };
  });

  return r;
}
