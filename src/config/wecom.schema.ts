import { z } from 'zod';
import { appId, intish, optStr, platformKeys } from './fields.js';

/**
 * WeCom (the corp's credentials, its API and its callbacks, welcomes), WeChat (the store
 * operators' mini-program login) and WeChat Pay's payment notifications.
 */
export const wecomEnv = {
  WECOM_CORP_ID: 'wecom.corpId',
  WECOM_TOKEN: 'wecom.token',
  WECOM_AES_KEY: 'wecom.aesKey',
  WECOM_CONTACT_SECRET: 'wecom.contactSecret',
  WECOM_AGENT_ID: 'wecom.agentId',
  WECOM_AGENT_SECRET: 'wecom.agentSecret',
  WECOM_API_BASE: 'wecom.apiBase',
  WECOM_TIMEOUT_MS: 'wecom.timeoutMs',
  WECOM_RATE_PER_MINUTE: 'wecom.ratePerMinute',
  WECOM_CALLBACK_MAX_SKEW_SEC: 'wecom.callbackMaxSkewSec',
  MP_APPID: 'wecom.linkedMiniAppId',
  WELCOME_DEFAULT_TEXT: 'welcome.defaultText',
  WECHATPAY_APIV3_KEY: 'wechatPay.apiV3Key',
  WECHATPAY_PLATFORM_KEYS: 'wechatPay.platformKeys',
  WECHAT_API_BASE: 'wechat.apiBase',
  WECHAT_MINI_APPID: 'wechat.miniAppId',
  WECHAT_MINI_SECRET: 'wechat.miniAppSecret',
};

export const wecomSecrets = ['WECOM_TOKEN', 'WECOM_AES_KEY', 'WECOM_CONTACT_SECRET', 'WECOM_AGENT_SECRET', 'WECHATPAY_APIV3_KEY', 'WECHATPAY_PLATFORM_KEYS', 'WECHAT_MINI_SECRET'];

export const wecomShape = {
  wecom: z.object({
    corpId: optStr,
    token: optStr,
    aesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey').optional(),
    contactSecret: optStr,
    agentId: intish.positive().optional(),
    agentSecret: optStr,
    apiBase: z.url(),
    timeoutMs: intish.min(100).max(60000),
    maxRetries: intish.min(0).max(10),
    ratePerMinute: intish.min(1).max(100000),
    callbackMaxSkewSec: intish.min(0),
    /**
     * The mini-program linked to the WeCom app (应用管理 → 关联小程序), usually the store operators'
     * one: hand-off notices open the customer in it. Unset: the notices are text.
     */
    linkedMiniAppId: appId.optional(),
  }),
  welcome: z.object({ defaultText: z.string().min(1).max(1300), windowMs: intish.min(1000).max(20000) }),
  callback: z.object({ maxBatch: intish.min(1).max(5000), bodyLimitBytes: intish.min(1024).max(1048576) }),
  /** WeChat Pay v3 payment notifications (POST /wechatpay/notify); refused with 503 until both are set. */
  wechatPay: z.object({
    apiV3Key: z.string().refine((s) => Buffer.byteLength(s) === 32, 'must be the 32-byte APIv3 key').optional(),
    platformKeys,
  }),
  /** The store operators' mini-program: code2Session at apiBase (the emulator in sandbox mode). */
  wechat: z.object({
    apiBase: z.url(),
    miniAppId: appId.optional(),
    miniAppSecret: z.string().regex(/^[0-9a-f]{32}$/, 'must be the 32-character AppSecret').optional(),
    timeoutMs: intish.min(100).max(60000),
  }),
};
