import { createHash } from 'node:crypto';
import type { ContactEvent } from '../../domain/acquisition/contact-event.js';
import { CallbackCrypto, WecomCryptoError } from './crypto.js';
import { parseXml, str, XmlError, type XmlNode } from './xml.js';

/** Why a callback was refused; maps to HTTP 401 (not from WeCom) or 400 (unreadable). */
export class CallbackRejected extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'CallbackRejected';
  }
}

export interface CallbackQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
}

/** Flat text fields of a decrypted callback (lists are kept as nodes). */
export type CallbackFields = Record<string, string | XmlNode | unknown[]>;

export interface OpenedCallback {
  fields: CallbackFields;
  /** Identifies one WeCom event across retries, duplicates and fan-out to several apps. */
  dedupeKey: string;
  kind: string;
}

const MAX_PARAM = 256;

function param(q: CallbackQuery, name: keyof CallbackQuery): string {
  const v = q[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_PARAM * 8) throw new CallbackRejected(400, `missing ${name}`);
  return v;
}

/**
 * Verifies, decrypts and parses one POSTed callback. Order matters: the signature is checked
 * before anything is decrypted, and the corp id is checked both on the envelope and inside the
 * ciphertext. Each document is parsed once.
 */
export function openCallback(crypto: CallbackCrypto, q: CallbackQuery, body: string, now: number, maxSkewSec: number): OpenedCallback {
  const signature = param(q, 'msg_signature');
  const timestamp = param(q, 'timestamp');
  const nonce = param(q, 'nonce');
  let envelope: XmlNode;
  try {
    envelope = parseXml(body);
  } catch (e) {
    throw new CallbackRejected(400, e instanceof XmlError ? `envelope: ${e.message}` : 'envelope unreadable');
  }
  const encrypt = envelope.Encrypt;
  if (typeof encrypt !== 'string' || !encrypt) throw new CallbackRejected(400, 'envelope has no Encrypt');
  const to = envelope.ToUserName;
  if (typeof to === 'string' && to !== '' && to !== crypto.receiveId) throw new CallbackRejected(401, 'envelope ToUserName is not our corp');
  if (!crypto.verify(signature, timestamp, nonce, encrypt)) throw new CallbackRejected(401, 'signature mismatch');
  if (maxSkewSec > 0) {
    const ts = Number(timestamp);
    if (!Number.isFinite(ts) || Math.abs(now / 1000 - ts) > maxSkewSec) throw new CallbackRejected(401, 'timestamp outside the replay window');
  }
  let plaintext: string;
  try {
    plaintext = crypto.decrypt(encrypt);
  } catch (e) {
    if (e instanceof WecomCryptoError && e.failure === 'receive_id') throw new CallbackRejected(401, 'receive id is not our corp');
    throw new CallbackRejected(400, e instanceof WecomCryptoError ? `decrypt: ${e.failure}` : 'decrypt failed');
  }
  let fields: XmlNode;
  try {
    fields = parseXml(plaintext);
  } catch (e) {
    throw new CallbackRejected(400, e instanceof XmlError ? `message: ${e.message}` : 'message unreadable');
  }
  const msgType = str(fields, 'MsgType');
  if (!msgType) throw new CallbackRejected(400, 'message has no MsgType');
  const event = str(fields, 'Event') ?? '';
  const kind = msgType === 'event' ? `${event}/${str(fields, 'ChangeType') ?? ''}` : `msg/${msgType}`;
  return { fields, dedupeKey: dedupeKeyOf(fields, plaintext), kind };
}

/**
 * Customer events all come from `sys`, so WeCom's advice (FromUserName + CreateTime) would
 * merge distinct events of one second. WeCom re-sends the same plaintext, so its hash is the
 * key; an AgentID inside it (the only part that could differ between two apps receiving one
 * event) is left out. Messages from employees have a MsgId, which is WeCom's own key.
 */
export function dedupeKeyOf(fields: XmlNode, plaintext: string): string {
  const msgId = fields.MsgId;
  const h = createHash('sha1');
  if (typeof msgId === 'string' && msgId) return h.update(`msg:${msgId}`).digest('hex');
  const a = plaintext.indexOf('<AgentID>');
  if (a === -1) return h.update(plaintext).digest('hex');
  const b = plaintext.indexOf('</AgentID>', a);
  return h.update(b === -1 ? plaintext : plaintext.slice(0, a) + plaintext.slice(b + 10)).digest('hex');
}

/** Maps a decrypted change_external_contact event to the domain's shape; undefined for other kinds. */
export function toContactEvent(fields: XmlNode): ContactEvent | undefined {
  if (str(fields, 'Event') !== 'change_external_contact') return undefined;
  const changeType = str(fields, 'ChangeType');
  const userId = str(fields, 'UserID');
  const externalUserId = str(fields, 'ExternalUserID');
  if (!changeType || !userId || !externalUserId) return undefined;
  const createTime = Number(str(fields, 'CreateTime'));
  return {
    changeType,
    userId,
    externalUserId,
    state: str(fields, 'State') || undefined,
    welcomeCode: str(fields, 'WelcomeCode') || undefined,
    source: str(fields, 'Source') || undefined,
    failReason: str(fields, 'FailReason') || undefined,
    createTime: Number.isFinite(createTime) && createTime > 0 ? createTime : Math.floor(Date.now() / 1000),
  };
}
