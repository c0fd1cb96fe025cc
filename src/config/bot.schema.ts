import { z } from 'zod';
import { commaList, flag, intish, optStr } from './fields.js';

/** The bot of one WeCom account (Wechaty through WorkPro), its outbox pace and its manners in chats. */
export const botEnv = {
  BOT_ENABLED: 'bot.enabled',
  BOT_ACCOUNT: 'bot.account',
  WECHATY_PUPPET: 'bot.puppet',
  WECHATY_PUPPET_SERVICE_TOKEN: 'bot.puppetToken',
  WECHATY_PUPPET_SERVICE_AUTHORITY: 'bot.puppetAuthority',
  WECHATY_PUPPET_SERVICE_ENDPOINT: 'bot.puppetEndpoint',
  BOT_RATE_PER_MINUTE: 'bot.ratePerMinute',
  BOT_STAND_DOWN_MIN: 'bot.standDownMin',
  BOT_ADMIN_USERIDS: 'bot.adminUserIds',
  BOT_DEFAULT_REP: 'bot.defaultRepUserId',
};

export const botSecrets = ['WECHATY_PUPPET_SERVICE_TOKEN'];

export const botShape = {
  bot: z.object({
    /**
     * false: this deployment has no bot account. The bot role exits at once as disabled (PM2
     * leaves it stopped), journeys start at the WeCom mass message, and the bot's alerts are off.
     * In production an enabled bot needs its puppet token (resolve.ts).
     */
    enabled: flag,
    /** One bot process per account: the lock, the outbox rows and the conversations are keyed by it. */
    account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only (1-64)'),
    /** mock (sandbox/tests) or service (wechaty-puppet-service, e.g. WorkPro); auto: mock in sandbox, else service. */
    puppet: z.enum(['auto', 'mock', 'service']),
    puppetToken: optStr,
    puppetAuthority: optStr,
    puppetEndpoint: optStr,
    /** Where Wechaty keeps its memory card (login session); must persist across restarts. */
    dataDir: z.string().min(1),
    ratePerMinute: intish.min(1).max(600),
    jitterMs: intish.min(0).max(60000),
    maxAttempts: intish.min(1).max(20),
    backoffBaseMs: intish.min(100).max(3600000),
    backoffMaxMs: intish.min(100).max(86400000),
    /** A claimed outbox row is taken over by another drainer after this (a process died mid-send). */
    leaseMs: intish.min(1000).max(3600000),
    breakerMs: intish.min(1000).max(86400000),
    /** Messages older than this when they arrive (a re-login replays history) are ignored. */
    maxMessageAgeSec: intish.min(10).max(86400),
    /** The bot keeps quiet in a 1:1 chat this long after a rep's last message there. */
    standDownMin: intish.min(1).max(1440),
    /** After a hand-off the bot keeps quiet this long, waiting for the rep. */
    handoffQuietMin: intish.min(1).max(1440),
    /** Unmatched messages in a row (within handoffQuietMin) before the bot hands off by itself. */
    missesBeforeHandoff: intish.min(1).max(10),
    groupWelcomeBatchMs: intish.min(0).max(600000),
    spamMaxStrikes: intish.min(1).max(10),
    /** How long an unanswered question (NPS, birthday) waits for its answer. */
    questionTtlHours: intish.min(1).max(720),
    /** WeCom userids told about bot login trouble, alerts and hand-offs nobody owns (comma list in env). */
    adminUserIds: commaList(z.string().min(1).max(64), 50),
    defaultRepUserId: optStr,
  }),
};
