/**
 * WeCom errcodes the emulator answers with, and the envelope text around them.
 *
 * Numbers come from wecom-protocol.md §0.1/§4 and WeCom's global error-code table. Where WeCom
 * never documented a number (protocol doc §10 item 3) the choice is ours and is marked
 * "choice"; clients must branch on these constants, not on literals, so a later correction is
 * one edit.
 */
export const E = {
  OK: 0,
  SYSTEM_BUSY: -1,
  INVALID_SECRET: 40001,
  INVALID_USERID: 40003,
  INVALID_MEDIA_FILE_TYPE: 40004,
  INVALID_MEDIA_TYPE: 40005,
  INVALID_FILE_SIZE: 40006,
  INVALID_MEDIA_ID: 40007,
  INVALID_MSGTYPE: 40008,
  INVALID_IMAGE_SIZE: 40009,
  INVALID_VIDEO_SIZE: 40011,
  INVALID_CORPID: 40013,
  INVALID_TOKEN: 40014,
  INVALID_CODE: 40029,
  INVALID_AGENTID: 40056,
  INVALID_PARAM: 40058,
  INVALID_TAG_ID: 40068,
  TAG_NAME_EXISTS: 40071,
  INVALID_TAG_NAME: 40072,
  INVALID_URL: 40094,
  INVALID_EXTERNAL_USERID: 40096,
  MISSING_TOKEN: 41001,
  MISSING_CORPID: 41002,
  MISSING_SECRET: 41004,
  MISSING_AGENTID: 41011,
  MISSING_MEDIA_ID: 41006,
  MISSING_URL: 41010,
  MISSING_TITLE: 41016,
  MISSING_DESCRIPTION: 41033,
  /** Seen by developers when `type` is missing on add_contact_way [comm]. */
  MISSING_CONTACT_WAY_TYPE: 41037,
  /** choice: WeCom's table calls 41048 "no content to send"; the empty-welcome code is undocumented. */
  NO_CONTENT: 41048,
  WELCOME_ALREADY_SENT: 41051,
  WELCOME_IN_PROGRESS: 41096,
  TOKEN_EXPIRED: 42001,
  REQUIRE_GET: 43001,
  REQUIRE_POST: 43002,
  EMPTY_MEDIA: 44001,
  EMPTY_TEXT: 44004,
  CONTENT_TOO_LONG: 45002,
  FREQ_LIMIT: 45009,
  NO_PRIVILEGE: 60011,
  NO_TAG_PRIVILEGE: 81011,
  ALL_RECIPIENTS_INVALID: 81013,
  VISIBLE_RANGE_TOO_LARGE: 81017,
  NO_RELATIONSHIP: 84061,
  INVALID_CHATID: 86001,
  /** miniprogram_notice with an appid that is not a mini-program linked to the app [comm: developers.weixin.qq.com, errcode 90207]. */
  INVALID_MINIPROGRAM_APPID: 90207,
} as const;

/**
 * Answer to `send_welcome_msg` with an unknown or expired `welcome_code` (real number
 * unconfirmed, protocol doc §4.2/§10). We use 40029 "invalid code", the code WeCom and WeChat
 * use for other expired or unknown one-time codes. 40097 was considered and rejected: WeCom's
 * table already gives it another meaning (member has not resigned).
 */
export const WELCOME_CODE_INVALID = E.INVALID_CODE;

const TEXT: Record<number, string> = {
  [E.SYSTEM_BUSY]: 'system busy',
  [E.INVALID_SECRET]: 'invalid credential',
  [E.INVALID_USERID]: 'invalid userid',
  [E.INVALID_MEDIA_FILE_TYPE]: 'invalid media file type',
  [E.INVALID_MEDIA_TYPE]: 'invalid type',
  [E.INVALID_FILE_SIZE]: 'invalid file size',
  [E.INVALID_MEDIA_ID]: 'invalid media_id',
  [E.INVALID_MSGTYPE]: 'invalid message type',
  [E.INVALID_IMAGE_SIZE]: 'invalid image size',
  [E.INVALID_VIDEO_SIZE]: 'invalid video size',
  [E.INVALID_CORPID]: 'invalid corpid',
  [E.INVALID_TOKEN]: 'invalid access_token',
  [E.INVALID_CODE]: 'invalid code',
  [E.INVALID_AGENTID]: 'invalid agentid',
  [E.INVALID_PARAM]: 'invalid Request Parameter',
  [E.INVALID_TAG_ID]: 'invalid tagid',
  [E.TAG_NAME_EXISTS]: 'UserTag Name Already Exist',
  [E.INVALID_TAG_NAME]: 'invalid tag name length',
  [E.INVALID_URL]: 'invalid url',
  [E.INVALID_EXTERNAL_USERID]: 'invalid external userid',
  [E.MISSING_TOKEN]: 'access_token missing',
  [E.MISSING_CORPID]: 'corpid missing',
  [E.MISSING_SECRET]: 'corpsecret missing',
  [E.MISSING_AGENTID]: 'agentid missing',
  [E.MISSING_MEDIA_ID]: 'media_id missing',
  [E.MISSING_URL]: 'url missing',
  [E.MISSING_TITLE]: 'title missing',
  [E.MISSING_DESCRIPTION]: 'description missing',
  [E.MISSING_CONTACT_WAY_TYPE]: 'missing type',
  [E.NO_CONTENT]: 'no content to send',
  [E.WELCOME_ALREADY_SENT]: 'externaluser has started chatting',
  [E.WELCOME_IN_PROGRESS]: 'welcome msg is being sent by another app',
  [E.TOKEN_EXPIRED]: 'access_token expired',
  [E.REQUIRE_GET]: 'require GET method',
  [E.REQUIRE_POST]: 'require POST method',
  [E.EMPTY_MEDIA]: 'empty media data',
  [E.EMPTY_TEXT]: 'empty content',
  [E.CONTENT_TOO_LONG]: 'content size out of limit',
  [E.FREQ_LIMIT]: 'api freq out of limit',
  [E.NO_PRIVILEGE]: 'no privilege to access/modify contact/party/agent',
  [E.NO_TAG_PRIVILEGE]: 'no privilege to operate tag',
  [E.ALL_RECIPIENTS_INVALID]: 'all touser/toparty/totag invalid',
  [E.VISIBLE_RANGE_TOO_LARGE]: 'owner_filter required when visible range exceeds 1000',
  [E.NO_RELATIONSHIP]: 'not external contact',
  [E.INVALID_CHATID]: 'invalid chatid',
  [E.INVALID_MINIPROGRAM_APPID]: 'invalid miniprogram appid',
};

/** A business error: answered as HTTP 200 with this errcode, like WeCom does. */
export class WecomApiError extends Error {
  constructor(
    readonly errcode: number,
    detail?: string,
  ) {
    super(detail ? `${TEXT[errcode] ?? 'error'}: ${detail}` : (TEXT[errcode] ?? 'error'));
    this.name = 'WecomApiError';
  }
}

export function fail(errcode: number, detail?: string): never {
  throw new WecomApiError(errcode, detail);
}

/**
 * WeCom appends a hint and the caller's IP to every error message (doc 90455). Reproducing the
 * suffix keeps clients honest: they must branch on errcode, never compare errmsg text.
 */
export function errmsgFor(errcode: number, message: string, nowMs: number): string {
  if (errcode === E.OK) return 'ok';
  const hint = `${Math.floor(nowMs / 1000)}_${Math.random().toString(36).slice(2, 10)}`;
  return (
    `${message}, hint: [${hint}], from ip: 127.0.0.1, ` +
    `more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`
  );
}

export function textFor(errcode: number): string {
  return TEXT[errcode] ?? 'error';
}
