import Router from '@koa/router';
import type { Context } from 'koa';
import type { Principal } from '../../domain/access/access.js';
import type { MergeService } from '../../domain/customer/merge.service.js';
import type { OptOutService } from '../../domain/customer/opt-out.service.js';
import type { PersonalDataService } from '../../domain/customer/personal-data.service.js';
import { readJson } from '../body.js';
import { mpAuth, principalOf } from '../middleware/mp-auth.js';
import { parseId } from '../validation.js';
import { eraseBody, mergeBody, optOutBody, presentErasure, presentMerge, sendAccessExport } from './customers.routes.js';

/**
 * A person's rights in the mini-program (HQ): erasure and the access export. Scoping and the
 * audit live in PersonalDataService; these handlers parse and present.
 */
export function mpPersonRoutes(d: { auth: { authenticate(token: string): Promise<Principal> }; personalData: PersonalDataService; merges: MergeService; optOut: OptOutService; ipHash(ip: string): string }): Router {
  const r = new Router({ prefix: '/api/mp' });
  const authed = mpAuth(d.auth);
  const customerId = (ctx: Context) => parseId(ctx.params.id, 'MP.INVALID_ID', '客户');

  r.post('/customers/:id/erase', authed, async (ctx) => {
    const id = customerId(ctx);
    const { reason } = eraseBody.parse(await readJson(ctx));
    ctx.body = presentErasure(await d.personalData.erase({ kind: 'staff', principal: principalOf(ctx) }, id, reason, d.ipHash(ctx.ip)));
  });

  // Two records of one person (HQ): the same merge and undo as the admin API, audited with the staff member.
  r.post('/customers/merge', authed, async (ctx) => {
    const body = mergeBody.parse(await readJson(ctx));
    ctx.status = 201;
    ctx.body = presentMerge(await d.merges.merge({ kind: 'staff', principal: principalOf(ctx) }, body, d.ipHash(ctx.ip)));
  });

  r.post('/customers/merges/:id/undo', authed, async (ctx) => {
    const id = parseId(ctx.params.id, 'MP.INVALID_ID', '合并记录');
    ctx.body = presentMerge(await d.merges.undo({ kind: 'staff', principal: principalOf(ctx) }, id, d.ipHash(ctx.ip)));
  });

  r.get('/customers/:id/personal-data', authed, async (ctx) => {
    sendAccessExport(ctx, await d.personalData.export({ kind: 'staff', principal: principalOf(ctx) }, customerId(ctx), d.ipHash(ctx.ip)));
  });

  // Any role, within its scope (a rep their own customers): the customer told them.
  r.post('/customers/:id/opt-out', authed, async (ctx) => {
    const id = customerId(ctx);
    const body = optOutBody.parse(await readJson(ctx));
    ctx.body = await d.optOut.set({ kind: 'staff', principal: principalOf(ctx) }, id, body.optedOut, body.reason, d.ipHash(ctx.ip));
  });

  return r;
}
