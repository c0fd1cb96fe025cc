import { createDecipheriv, createPublicKey, createVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * WeChat Pay API v3 payment notifications (wecom-protocol.md §7): the RSA-SHA256 signature
 * over the raw body with the platform key named by Wechatpay-Serial, then AEAD_AES_256_GCM
 * decryption of `resource` with the APIv3 key. Pure node:crypto, no I/O.
 */

export interface PayNotifyHeaders {
  serial: string;
  signature: string;
  timestamp: string;
  nonce: string;
}

/** Why a notification was refused; `status` is what WeChat Pay is answered with (it retries on 4xx/5xx). */
export class PayNotifyError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'PayNotifyError';
  }
}

const resourceSchema = z.object({
  algorithm: z.literal('AEAD_AES_256_GCM'),
  ciphertext: z.string().min(1),
  nonce: z.string().min(1),
  associated_data: z.string().optional(),
  original_type: z.string().optional(),
});

const notificationSchema = z.object({
  id: z.string().max(64),
  event_type: z.string().min(1),
  resource_type: z.string().optional(),
  resource: resourceSchema,
});

const transactionSchema = z.object({
  appid: z.string().min(1).max(64),
  mchid: z.string().optional(),
  out_trade_no: z.string().min(1).max(64),
  transaction_id: z.string().optional(),
  trade_state: z.string(),
  success_time: z.iso.datetime({ offset: true }).optional(),
  payer: z.object({ openid: z.string().min(1).max(128) }),
  amount: z.object({ total: z.number().int().positive(), currency: z.string().optional() }),
});

export type PayTransaction = z.infer<typeof transactionSchema>;

export interface PayNotification {
  id: string;
  eventType: string;
  /** Present for original_type 'transaction' (payment results). */
  transaction?: PayTransaction;
}

/** Decrypts `resource.ciphertext` (base64 of ciphertext ‖ 16-byte tag); throws when the tag does not verify. */
export function decryptPayResource(r: { ciphertext: string; nonce: string; associated_data?: string }, apiV3Key: string): string {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new Error('APIv3 key must be 32 bytes');
  const raw = Buffer.from(r.ciphertext, 'base64');
  // The tag alone (16 bytes) is a valid encryption of an empty plaintext; shorter cannot be.
  if (raw.length < 16) throw new Error('ciphertext too short');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(r.nonce, 'utf8'));
  d.setAAD(Buffer.from(r.associated_data ?? '', 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8');
}

/** True when `signature` is a valid SHA256withRSA signature of the §7.2 message under `key`. */
export function verifyPaySignature(h: PayNotifyHeaders, rawBody: Buffer, key: KeyObject): boolean {
  // WeChat Pay's probe traffic: it must fail, and so tells them we do verify.
  if (h.signature.startsWith('WECHATPAY/SIGNTEST/')) return false;
  const v = createVerify('RSA-SHA256');
  v.update(`${h.timestamp}\n${h.nonce}\n`);
  v.update(rawBody);
  v.update('\n');
  return v.verify(key, h.signature, 'base64');
}

const parseJson = (s: string): unknown => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
};

export class WechatPayNotify {
  private readonly keys: Map<string, KeyObject>;

  constructor(private readonly d: { platformKeys: Record<string, string>; apiV3Key: string | undefined; nowSec: () => number; maxSkewSec?: number }) {
    this.keys = new Map(Object.entries(d.platformKeys).map(([serial, pem]) => [serial, createPublicKey(pem)]));
  }

  /** Verifies, then decrypts and parses a notification; throws PayNotifyError when it must be refused. */
  open(h: PayNotifyHeaders, rawBody: Buffer): PayNotification {
    if (!this.d.apiV3Key || this.keys.size === 0) throw new PayNotifyError(503, 'not_configured', '未配置微信支付');
    if (!h.serial || !h.signature || !h.timestamp || !h.nonce) throw new PayNotifyError(401, 'missing_headers', '缺少签名头');
    const ts = /^\d{1,12}$/.test(h.timestamp) ? Number(h.timestamp) : NaN;
    if (!(Math.abs(this.d.nowSec() - ts) < (this.d.maxSkewSec ?? 300))) throw new PayNotifyError(401, 'stale', '时间戳已过期');
    const key = this.keys.get(h.serial);
    if (!key) throw new PayNotifyError(401, 'unknown_serial', '未知的平台证书序列号');
    if (!verifyPaySignature(h, rawBody, key)) throw new PayNotifyError(401, 'bad_signature', '签名验证失败');

    let body: z.infer<typeof notificationSchema>;
    try {
      body = notificationSchema.parse(JSON.parse(rawBody.toString('utf8')));
    } catch {
      throw new PayNotifyError(400, 'bad_body', '通知格式有误');
    }
    let plain: string;
    try {
      plain = decryptPayResource(body.resource, this.d.apiV3Key);
    } catch {
      // Signed by WeChat Pay yet undecryptable: our APIv3 key is wrong. 500 keeps it retrying until fixed.
      throw new PayNotifyError(500, 'decrypt_failed', '解密失败');
    }
    if (body.resource.original_type && body.resource.original_type !== 'transaction') return { id: body.id, eventType: body.event_type };
    const t = transactionSchema.safeParse(parseJson(plain));
    if (!t.success) throw new PayNotifyError(400, 'bad_transaction', '交易数据格式有误');
    return { id: body.id, eventType: body.event_type, transaction: t.data };
  }
}
