import { E, fail } from './errors.js';
import type { EmulatorState, Media } from './state.js';
import type { Fields } from './validate.js';

/**
 * Message content shared by send_welcome_msg and add_msg_template (protocol doc §4.2, §4.10):
 * `text{content}` up to 4000 bytes and up to 9 attachments of five shapes.
 */

export const MEDIA_TTL_MS = 3 * 24 * 3600 * 1000;
export const MAX_TEXT_BYTES = 4000;
export const MAX_ATTACHMENTS = 9;

interface FieldRule {
  /** errcode when the field is missing; absent means optional */
  required?: number;
  maxBytes?: number;
  /** the value must be a live media_id of this type */
  media?: Media['type'];
}

/**
 * One row per attachment type: the field rules WeCom documents. `image` additionally needs
 * one of media_id/pic_url, checked separately because it is an either-or.
 */
const ATTACHMENT_RULES: Record<string, Record<string, FieldRule>> = {
  image: { media_id: { media: 'image' }, pic_url: { maxBytes: 2048 } },
  link: {
    title: { required: E.MISSING_TITLE, maxBytes: 128 },
    picurl: { maxBytes: 2048 },
    desc: { maxBytes: 512 },
    url: { required: E.MISSING_URL, maxBytes: 2048 },
  },
  miniprogram: {
    title: { required: E.MISSING_TITLE, maxBytes: 64 },
    pic_media_id: { required: E.INVALID_MEDIA_ID, media: 'image' },
    appid: { required: E.INVALID_PARAM },
    page: { required: E.INVALID_PARAM },
  },
  video: { media_id: { required: E.INVALID_MEDIA_ID, media: 'video' } },
  file: { media_id: { required: E.INVALID_MEDIA_ID, media: 'file' } },
};

/** A media_id is usable for 3 days after upload and only as the type it was uploaded as. */
export function requireMedia(state: EmulatorState, mediaId: string, type: Media['type'], now: number): Media {
  const m = state.media.get(mediaId);
  if (!m || m.type !== type || now >= m.createdAt + MEDIA_TTL_MS) fail(E.INVALID_MEDIA_ID, mediaId);
  return m;
}

export interface Content {
  text?: { content: string };
  attachments: unknown[];
}

export function readContent(body: Fields, state: EmulatorState, now: number): Content {
  const text = body.obj('text')?.str('content', { maxBytes: MAX_TEXT_BYTES, code: E.CONTENT_TOO_LONG });
  const list = body.objs('attachments', { maxItems: MAX_ATTACHMENTS }) ?? [];
  const attachments = list.map((a) => {
    const msgtype = a.reqStr('msgtype', E.INVALID_MSGTYPE);
    const rules = ATTACHMENT_RULES[msgtype];
    if (!rules) fail(E.INVALID_MSGTYPE, msgtype);
    const payload = a.obj(msgtype);
    if (!payload) fail(E.INVALID_PARAM, `${msgtype} payload missing`);
    for (const [field, rule] of Object.entries(rules)) {
      const limit = { maxBytes: rule.maxBytes };
      const v = rule.required === undefined ? payload.str(field, limit) : payload.reqStr(field, rule.required, limit);
      if (v !== undefined && rule.media) requireMedia(state, v, rule.media, now);
    }
    if (msgtype === 'image' && !payload.has('media_id') && !payload.has('pic_url')) {
      fail(E.INVALID_MEDIA_ID, 'image needs media_id or pic_url');
    }
    return { msgtype, [msgtype]: a.raw(msgtype) };
  });
  if (text === undefined && attachments.length === 0) fail(E.NO_CONTENT);
  return { text: text === undefined ? undefined : { content: text }, attachments };
}
