import { createCipheriv, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';

/** A fake WeChat Pay: its own RSA platform key pair and APIv3 key, signing notifications as §7 describes. */
export function fakeWechatPay(serial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1') {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apiV3Key = randomBytes(16).toString('hex');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const encrypt = (plain: string, nonce = randomBytes(6).toString('hex'), aad = 'transaction') => {
    const c = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(nonce));
    c.setAAD(Buffer.from(aad));
    const ciphertext = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]).toString('base64');
    return { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce };
  };

  const transaction = (o: { outTradeNo: string; openid: string; total: number; appid?: string; successTime?: string; tradeState?: string }) => ({
    mchid: '1900000001',
    appid: o.appid ?? 'wx0000000000000001',
    out_trade_no: o.outTradeNo,
    transaction_id: `4200${randomBytes(8).toString('hex')}`,
    trade_type: 'JSAPI',
    trade_state: o.tradeState ?? 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: o.successTime ?? '2024-01-01T12:00:00+08:00',
    payer: { openid: o.openid },
    amount: { total: o.total, payer_total: o.total, currency: 'CNY', payer_currency: 'CNY' },
  });

  const body = (tx: object, eventType = 'TRANSACTION.SUCCESS') =>
    JSON.stringify({
      id: `EV-${randomBytes(8).toString('hex')}`,
      create_time: '2024-01-01T12:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: '支付成功',
      resource: encrypt(JSON.stringify(tx)),
    });

  /** Headers WeChat Pay sends with `rawBody`; `o` bends them for negative cases. */
  const headers = (rawBody: string, o: { timestamp?: number; serial?: string; signature?: string } = {}) => {
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = o.signature ?? createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${rawBody}\n`).sign(privateKey, 'base64');
    return {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': o.serial ?? serial,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    };
  };

  return { serial, apiV3Key, publicPem, encrypt, transaction, body, headers, config: { wechatPay: { apiV3Key, platformKeys: { [serial]: publicPem } } } };
}
