import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Principal } from '../../domain/access/access.js';
import type { AccessExport, ErasureResult, PersonalDataService } from '../../domain/customer/personal-data.service.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { iso, parseId, printableText } from '../validation.js';

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

/**
 * A person's rights in the mini-program (HQ): erasure and the access export. Scoping and the
 * audit live in PersonalDataService; these handlers parse and present.
 */
export function mpPersonRoutes(d: { auth: { authenticate(token: string): Promise<Principal> }; personalData: PersonalDataService; ipHash(ip: string): string }): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);
  const customerId = (ctx: Context) => parseId(ctx.params.id, 'MP.INVALID_ID', '客户');

  r.post('/customers/:id/erase', authed, async (ctx) => {
    const id = customerId(ctx);
    const { reason } = eraseBody.parse(await readJson(ctx));
    ctx.body = presentErasure(await d.personalData.erase({ kind: 'staff', principal: principalOf(ctx) }, id, reason, d.ipHash(ctx.ip)));
  });

  r.get('/customers/:id/personal-data', authed, async (ctx) => {
    sendAccessExport(ctx, await d.personalData.export({ kind: 'staff', principal: principalOf(ctx) }, customerId(ctx), d.ipHash(ctx.ip)));
  });

  return r;
}
