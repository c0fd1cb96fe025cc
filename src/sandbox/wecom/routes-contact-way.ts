import { E, fail } from './errors.js';
import { newId } from './ids.js';
import type { Route, RouteContext } from './route.js';
import type { ContactWay, EmulatorState } from './state.js';
import { paginate, seconds, type Fields } from './validate.js';

/** 「联系我」 contact ways (protocol doc §4.1, emulator contract §9.2 rows 2–3). */

const DAY = 24 * 3600;
const P = '/cgi-bin/externalcontact';
/** API-created contact ways and join ways share one per-corp quota (doc §4.1, §4.9). */
export const API_WAY_QUOTA = 500_000;

export function requireQuota(state: EmulatorState): void {
  if (state.contactWays.size + state.joinWays.size >= API_WAY_QUOTA) fail(E.INVALID_PARAM, 'contact way quota exhausted');
}

/** Employees on a way must exist (40003) and have customer contact enabled (60011). */
function checkUsers(state: EmulatorState, users: string[]): void {
  for (const u of users) {
    if (!state.requireEmployee(u).followEnabled) fail(E.NO_PRIVILEGE, `userid ${u} has no customer contact`);
  }
}

/** Fields add and update share; update passes the stored way as the base. */
function readWayFields(body: Fields, type: 1 | 2, base?: ContactWay) {
  return {
    style: body.int('style', { oneOf: type === 1 ? [1, 2, 3] : [1, 2] }) ?? base?.style,
    remark: body.str('remark', { maxChars: 30 }) ?? base?.remark ?? '',
    skipVerify: body.bool('skip_verify') ?? base?.skipVerify ?? true,
    state: body.str('state', { maxChars: 30 }) ?? base?.state ?? '',
    user: body.strs('user') ?? base?.user ?? [],
    party: body.ints('party') ?? base?.party ?? [],
    expiresIn: body.int('expires_in', { min: 1, max: 14 * DAY }) ?? base?.expiresIn,
    chatExpiresIn: body.int('chat_expires_in', { min: 1, max: 14 * DAY }) ?? base?.chatExpiresIn,
    unionid: body.str('unionid') ?? base?.unionid,
    conclusions: body.obj('conclusions') ? body.raw('conclusions') : base?.conclusions,
  };
}

function checkShape(ctx: RouteContext, type: 1 | 2, isTemp: boolean, w: { user: string[]; party: number[] }): void {
  // type 1 is a single employee: exactly one user and no departments.
  if (type === 1 && (w.user.length !== 1 || w.party.length > 0)) fail(E.INVALID_PARAM, 'type 1 needs exactly one user');
  if (type === 2 && w.user.length === 0 && w.party.length === 0) fail(E.INVALID_PARAM, 'user or party required');
  if (isTemp && type !== 1) fail(E.INVALID_PARAM, 'temporary chat supports single-employee ways only');
  checkUsers(ctx.state, w.user);
}

function requireWay(ctx: RouteContext): ContactWay {
  const id = ctx.body.reqStr('config_id', E.INVALID_PARAM);
  const way = ctx.state.contactWays.get(id);
  if (!way) fail(E.INVALID_PARAM, 'invalid config_id');
  return way;
}

export function contactWayJson(w: ContactWay): Record<string, unknown> {
  return {
    config_id: w.configId,
    type: w.type,
    scene: w.scene,
    style: w.style,
    remark: w.remark,
    skip_verify: w.skipVerify,
    state: w.state,
    qr_code: w.scene === 2 ? w.qrCode : undefined,
    user: w.user,
    party: w.party,
    is_temp: w.isTemp,
    expires_in: w.isTemp ? w.expiresIn : undefined,
    chat_expires_in: w.isTemp ? w.chatExpiresIn : undefined,
    unionid: w.unionid,
    conclusions: w.conclusions,
  };
}

export const contactWayRoutes: Route[] = [
  {
    method: 'POST',
    path: `${P}/add_contact_way`,
    handle(ctx) {
      const b = ctx.body;
      const type = b.reqInt('type', E.MISSING_CONTACT_WAY_TYPE, { oneOf: [1, 2] }) as 1 | 2;
      const scene = b.reqInt('scene', E.INVALID_PARAM, { oneOf: [1, 2] }) as 1 | 2;
      const isTemp = b.bool('is_temp') ?? false;
      const w = readWayFields(b, type);
      checkShape(ctx, type, isTemp, w);
      requireQuota(ctx.state);
      const configId = newId.configId();
      const way: ContactWay = {
        configId,
        type,
        scene,
        isTemp,
        ...w,
        expiresIn: isTemp ? (w.expiresIn ?? 7 * DAY) : undefined,
        chatExpiresIn: isTemp ? (w.chatExpiresIn ?? DAY) : undefined,
        qrCode: ctx.config.contactWayQrUrl?.(configId) ?? newId.qrCode(),
        createdAt: ctx.now,
        nextUser: 0,
        tempUsed: false,
      };
      ctx.state.contactWays.set(way.configId, way);
      return { config_id: way.configId, qr_code: scene === 2 ? way.qrCode : undefined };
    },
  },
  {
    method: 'POST',
    path: `${P}/get_contact_way`,
    handle: (ctx) => ({ contact_way: contactWayJson(requireWay(ctx)) }),
  },
  {
    method: 'POST',
    path: `${P}/update_contact_way`,
    handle(ctx) {
      const way = requireWay(ctx);
      // user/party/remark are overwritten wholesale, not merged (doc §4.1).
      const w = readWayFields(ctx.body, way.type, way);
      checkShape(ctx, way.type, way.isTemp, w);
      Object.assign(way, w);
    },
  },
  {
    method: 'POST',
    path: `${P}/del_contact_way`,
    handle(ctx) {
      ctx.state.contactWays.delete(requireWay(ctx).configId);
    },
  },
  {
    method: 'POST',
    path: `${P}/list_contact_way`,
    handle(ctx) {
      const b = ctx.body;
      const nowSec = seconds(ctx.now);
      const start = b.int('start_time', { min: 0 }) ?? nowSec - 90 * DAY;
      const end = b.int('end_time', { min: 0 }) ?? nowSec;
      if (end < start) fail(E.INVALID_PARAM, 'end_time before start_time');
      const limit = b.int('limit', { min: 1, max: 1000 }) ?? 100;
      const ways = [...ctx.state.contactWays.values()].filter((w) => {
        const t = seconds(w.createdAt);
        return t >= start && t <= end;
      });
      const { page, next } = paginate(ways, b.str('cursor'), limit);
      return { contact_way: page.map((w) => ({ config_id: w.configId })), next_cursor: next };
    },
  },
];
