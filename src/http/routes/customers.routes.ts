import Router from '@koa/router';
import { z } from 'zod';
import type { CustomerService } from '../../domain/customer/customer.service.js';
import type { MergeService } from '../../domain/customer/merge.service.js';
import type { OptOutService } from '../../domain/customer/opt-out.service.js';
import type { AccessExport, ErasureResult, PersonalDataService } from '../../domain/customer/personal-data.service.js';
import type { Context } from 'koa';
import { readJson } from '../body.js';
import type { TimelineEntry } from '../../domain/customer/customer.types.js';
import { iso, parseId, printableText } from '../validation.js';

export const mergeBody = z
  .object({
    sourceId: z.number().int().positive(),
    targetId: z.number().int().positive(),
    reason: z.string().trim().max(200).default(''),
  })
  .strict();

export const presentMerge = (m: { id: number; sourceId: number; targetId: number; reason: string; actor: string; createdAt: number; undoneAt: number | null }) => ({
  ...m,
  createdAt: iso(m.createdAt),
  undoneAt: iso(m.undoneAt),
});

/** Why the person's data is erased (e.g. 客户来电要求删除); kept in the audit log, so no personal data in it. */
export const eraseBody = z.object({ reason: printableText(200) }).strict();

export const presentErasure = (r: ErasureResult) => ({
  customerId: r.customerId,
  customerIds: r.customerIds,
  erasedAt: iso(r.erasedAt),
  alreadyErased: r.alreadyErased,
  counts: r.counts,
});

/** The access export as a downloaded JSON file, never cached on the way. */
export function sendAccessExport(ctx: Context, r: AccessExport): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.attachment(`personal-data-${r.customerId}.json`);
  ctx.type = 'application/json; charset=utf-8';
  ctx.body = JSON.stringify({ customerId: r.customerId, customerIds: r.customerIds, exportedAt: iso(r.exportedAt), ...r.data }, null, 2);
}

/** Set or clear 退订 on the person's behalf; the reason is kept on the timeline and in the audit log. */
export const optOutBody = z.object({ optedOut: z.boolean(), reason: printableText(200) }).strict();

export const presentTimeline = (entries: TimelineEntry[]) =>
  entries.map((e) => ({ id: e.id, kind: e.kind, channelId: e.channelId, staffUserId: e.staffUserId, data: e.data, occurredAt: iso(e.occurredAt) }));

export function customerRoutes(d: { customers: CustomerService; merges: MergeService; personalData: PersonalDataService; optOut: OptOutService; ipHash(ip: string): string }): Router {
  const r = new Router({ prefix: '/api/customers' });
  const customerId = (raw: string | undefined) => parseId(raw, 'CUSTOMER.INVALID_ID', '客户');

  // Two records that are one person: the source's timeline, tags, relationships, identities,
  // leads, consents and coupons move to the target. Recorded, and undone by the merge id.
  r.post('/merge', async (ctx) => {
    const body = mergeBody.parse(await readJson(ctx));
    ctx.status = 201;
    ctx.body = presentMerge(await d.merges.merge({ kind: 'admin' }, body, d.ipHash(ctx.ip)));
  });

  r.post('/merges/:id/undo', async (ctx) => {
    ctx.body = presentMerge(await d.merges.undo({ kind: 'admin' }, parseId(ctx.params.id, 'MERGE.INVALID_ID', '合并记录'), d.ipHash(ctx.ip)));
  });

  // The person's right to erasure (PIPL): everything personal, on every merged record, in one
  // audited transaction. Repeating it is harmless.
  r.post('/:id/erase', async (ctx) => {
    const id = customerId(ctx.params.id);
    const { reason } = eraseBody.parse(await readJson(ctx));
    ctx.body = presentErasure(await d.personalData.erase({ kind: 'admin' }, id, reason, d.ipHash(ctx.ip)));
  });

  // The person's right of access: everything held about them, as a JSON file; audited.
  r.get('/:id/personal-data', async (ctx) => {
    sendAccessExport(ctx, await d.personalData.export({ kind: 'admin' }, customerId(ctx.params.id), d.ipHash(ctx.ip)));
  });

  r.post('/:id/opt-out', async (ctx) => {
    const id = customerId(ctx.params.id);
    const body = optOutBody.parse(await readJson(ctx));
    ctx.body = await d.optOut.set({ kind: 'admin' }, id, body.optedOut, body.reason, d.ipHash(ctx.ip));
  });

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
      mergedInto: c.mergedInto ?? null,
      erasedAt: iso(c.erasedAt ?? null),
      createdAt: iso(c.createdAt),
      tags: c.tags,
      follows: c.follows.map((f) => ({ staffUserId: f.staffUserId, channelId: f.channelId, state: f.state, status: f.status, addedAt: iso(f.addedAt), removedAt: iso(f.removedAt) })),
      timeline: presentTimeline(c.timeline),
    };
  });

  return r;
}
