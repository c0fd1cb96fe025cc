import { requireMedia } from './content.js';
import { E, fail } from './errors.js';
import { parseMultipart } from './http-io.js';
import { newId } from './ids.js';
import type { Route, RouteContext } from './route.js';
import type { Media } from './state.js';
import { byteLength, charLength, seconds, type Fields } from './validate.js';

/** App messages to employees and media upload (doc §2.2, §4.12, contract §9.2 rows 14–15). */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Per app per member; excess is dropped silently, the call still succeeds (doc §2.2). */
export const APP_MSG_PER_MEMBER = { perMinute: 30, perHour: 1000 } as const;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateBytes(s: string, max: number): string {
  if (byteLength(s) <= max) return s;
  let out = '';
  let n = 0;
  for (const ch of s) {
    const b = byteLength(ch);
    if (n + b > max) break;
    out += ch;
    n += b;
  }
  return out;
}

type PayloadReader = (p: Fields, ctx: RouteContext) => Record<string, unknown>;

const media =
  (type: Media['type']): PayloadReader =>
  (p, ctx) => {
    const id = p.reqStr('media_id', E.MISSING_MEDIA_ID);
    requireMedia(ctx.state, id, type, ctx.now);
    return { media_id: id };
  };

/** WeCom counts these lengths in characters (汉字): title and description 4–12, key ≤ 10, value ≤ 30. */
const noticeText = (p: Fields, n: string, required: boolean): string | undefined => {
  const v = required ? p.reqStr(n, E.MISSING_TITLE) : p.str(n);
  // choice: WeCom documents the 4–12 range but not the errcode for a text outside it.
  if (v !== undefined && (charLength(v) < 4 || charLength(v) > 12)) fail(E.INVALID_PARAM, `${n} must be 4-12 characters`);
  return v;
};

/**
 * 小程序通知消息 (doc 90236): a card that opens `page` of a mini-program linked to the app.
 * Only a linked appid is accepted (90207 otherwise); no page means the card does not open anything.
 */
const miniprogramNotice: PayloadReader = (p, ctx) => {
  const appid = p.reqStr('appid', E.INVALID_MINIPROGRAM_APPID);
  if (!(ctx.config.linkedMiniAppIds ?? []).includes(appid)) fail(E.INVALID_MINIPROGRAM_APPID, appid);
  const items = (p.objs('content_item', { maxItems: 10 }) ?? []).map((i) => ({ key: i.str('key', { maxChars: 10 }), value: i.str('value', { maxChars: 30 }) }));
  return {
    appid,
    page: p.str('page', { maxBytes: 1024 }),
    title: noticeText(p, 'title', true),
    description: noticeText(p, 'description', false),
    emphasis_first_item: p.bool('emphasis_first_item') ?? false,
    // WeCom ignores an item whose key and value are both empty.
    content_item: items.filter((i) => i.key !== undefined || i.value !== undefined),
  };
};

/**
 * One reader per msgtype: required fields and WeCom's limits. Over-long text fields are
 * truncated rather than rejected, as doc 90236 describes. Types Siyu does not send are
 * accepted as opaque objects.
 */
const MESSAGE_TYPES: Record<string, PayloadReader> = {
  text: (p) => ({ content: truncateBytes(p.reqStr('content', E.EMPTY_TEXT), 2048) }),
  markdown: (p) => ({ content: truncateBytes(p.reqStr('content', E.EMPTY_TEXT), 2048) }),
  textcard: (p) => {
    const url = p.reqStr('url', E.MISSING_URL, { maxBytes: 2048 });
    if (!/^https?:\/\//.test(url)) fail(E.INVALID_URL, url);
    const btntxt = p.str('btntxt');
    return {
      title: truncateBytes(p.reqStr('title', E.MISSING_TITLE), 128),
      description: truncateBytes(p.reqStr('description', E.MISSING_DESCRIPTION), 512),
      url,
      btntxt: btntxt === undefined ? undefined : [...btntxt].slice(0, 4).join(''),
    };
  },
  image: media('image'),
  voice: media('voice'),
  video: media('video'),
  file: media('file'),
  news: (p) => {
    const articles = p.objs('articles', { maxItems: 8 }) ?? [];
    for (const a of articles) a.reqStr('title', E.MISSING_TITLE);
    return p.all();
  },
  mpnews: (p) => p.all(),
  template_card: (p) => p.all(),
  miniprogram_notice: miniprogramNotice,
};

/** Upload limits per media type: [min bytes, max bytes, errcode]. */
const MEDIA_LIMITS: Record<Media['type'], [number, number, number]> = {
  image: [5, 10 * 1024 * 1024, E.INVALID_IMAGE_SIZE],
  voice: [5, 2 * 1024 * 1024, E.INVALID_FILE_SIZE],
  video: [5, 10 * 1024 * 1024, E.INVALID_VIDEO_SIZE],
  file: [5, 20 * 1024 * 1024, E.INVALID_FILE_SIZE],
};

const splitIds = (s: string | undefined) => (s ? s.split('|').filter((x) => x !== '') : []);

/** Sliding-window per-member caps; returns false when this delivery must be dropped. */
function withinRate(times: number[], now: number): boolean {
  while (times.length > 0 && times[0]! <= now - HOUR) times.shift();
  const lastMinute = times.filter((t) => t > now - MINUTE).length;
  return lastMinute < APP_MSG_PER_MEMBER.perMinute && times.length < APP_MSG_PER_MEMBER.perHour;
}

export const messageRoutes: Route[] = [
  {
    method: 'POST',
    path: '/cgi-bin/media/upload',
    rawBody: true,
    handle(ctx) {
      const type = ctx.q.reqStr('type', E.INVALID_MEDIA_TYPE, { oneOf: ['image', 'voice', 'video', 'file'], code: E.INVALID_MEDIA_TYPE }) as Media['type'];
      const part = parseMultipart(ctx.headers['content-type'], ctx.raw).find((p) => p.name === 'media');
      if (!part || part.data.length === 0) fail(E.EMPTY_MEDIA);
      const [min, max, code] = MEDIA_LIMITS[type];
      if (part.data.length < min || part.data.length > max) fail(code, `${part.data.length} bytes`);
      const m: Media = { mediaId: newId.media(), type, createdAt: ctx.now, size: part.data.length, filename: part.filename };
      ctx.state.media.set(m.mediaId, m);
      return { type, media_id: m.mediaId, created_at: String(seconds(ctx.now)) };
    },
  },
  {
    method: 'POST',
    path: '/cgi-bin/message/send',
    handle(ctx) {
      const { state, body: b } = ctx;
      const agentid = b.reqInt('agentid', E.MISSING_AGENTID, { code: E.INVALID_AGENTID });
      if (ctx.config.agentIds && !ctx.config.agentIds.includes(agentid)) fail(E.INVALID_AGENTID, String(agentid));
      const msgtype = b.reqStr('msgtype', E.INVALID_MSGTYPE);
      const reader = MESSAGE_TYPES[msgtype] ?? fail(E.INVALID_MSGTYPE, msgtype);
      const payload = reader(b.obj(msgtype) ?? fail(E.INVALID_PARAM, `${msgtype} payload missing`), ctx);

      const touser = b.str('touser');
      const users = touser === '@all' ? [...state.employees.keys()] : splitIds(touser);
      const parties = splitIds(b.str('toparty'));
      const tags = splitIds(b.str('totag'));
      if (users.length > 1000 || parties.length > 100 || tags.length > 100) fail(E.INVALID_PARAM, 'too many recipients');
      const valid = users.filter((u) => state.employees.has(u));
      // The emulator models no departments or address-book tags, so those are always invalid.
      const invalid = { user: users.filter((u) => !state.employees.has(u)), party: parties, tag: tags };
      if (valid.length === 0) fail(E.ALL_RECIPIENTS_INVALID);

      const dupCheck = b.int('enable_duplicate_check', { oneOf: [0, 1] }) === 1;
      const dupWindow = (b.int('duplicate_check_interval', { min: 1, max: 4 * 3600 }) ?? 1800) * 1000;
      const msgid = newId.appMsg();
      for (const userid of new Set(valid)) {
        const delivery = { msgid, agentid, userid, msgtype, payload, at: ctx.now };
        const dupKey = `${agentid}|${userid}|${msgtype}|${JSON.stringify(payload)}`;
        const last = state.appDuplicateKeys.get(dupKey);
        const rateKey = `${agentid}|${userid}`;
        const times = state.appSendTimes.get(rateKey) ?? [];
        state.appSendTimes.set(rateKey, times);
        if ((dupCheck && last !== undefined && ctx.now - last < dupWindow) || !withinRate(times, ctx.now)) {
          state.droppedAppMessages.push(delivery);
          continue;
        }
        times.push(ctx.now);
        state.appDuplicateKeys.set(dupKey, ctx.now);
        state.appMessages.push(delivery);
      }
      return {
        // WeCom lower-cases the userids it reports as invalid (doc §4.12).
        invaliduser: invalid.user.map((u) => u.toLowerCase()).join('|'),
        invalidparty: invalid.party.join('|'),
        invalidtag: invalid.tag.join('|'),
        msgid,
      };
    },
  },
];
