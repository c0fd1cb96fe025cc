/**
 * Every cache key of Siyu, in one place, under one prefix. TTLs live beside their key.
 *
 * Redis Cluster: a key's slot is the hash of its first `{…}` (its hash tag), or of the whole key
 * when it has none. Keys read or written together in one command must share a tag; every other
 * key has none, so keys spread over the masters. Today one group is read together: an alert
 * signal's minutes (`{sig:<name>}`, read in one MGET over the alert window). The prefix may not
 * contain braces (config checks it), or it would become every key's tag.
 */
export function cacheKeys(prefix: string) {
  return {
    wecomToken: (corpId: string, app: string) => `${prefix}wecom:token:${corpId}:${app}`,
    wecomTokenLock: (corpId: string, app: string) => `${prefix}lock:wecom-token:${corpId}:${app}`,
    wecomRate: (corpId: string, window: string) => `${prefix}rl:wecom:${corpId}:${window}`,
    callbackSeen: (dedupeKey: string) => `${prefix}cb:seen:${dedupeKey}`,
    rate: (name: string, window: number) => `${prefix}rl:${name}:${window}`,
    formTokenUsed: (token: string) => `${prefix}ft:${token}`,
    mediaId: (corpId: string, sha1: string) => `${prefix}wecom:media:${corpId}:${sha1}`,
    jobLock: (job: string) => `${prefix}lock:job:${job}`,
    /** A named critical section of a domain service (e.g. one landing submission per person and channel). */
    mutex: (name: string) => `${prefix}lock:mx:${name}`,
    botLock: (account: string) => `${prefix}lock:bot:${account}`,
    botMessageSeen: (account: string, messageId: string) => `${prefix}bot:seen:${account}:${messageId}`,
    botState: (account: string, key: string) => `${prefix}bot:st:${account}:${key}`,
    /** The bot account's login state and heartbeat, read by the alert evaluator. */
    botStatus: (account: string, part: 'state' | 'seen') => `${prefix}bot:status:${account}:${part}`,
    /** One minute's count of an alert signal (callback outcome, WeCom errcode, send outcome); one slot per signal. */
    alertSignal: (name: string, minute: number) => `${prefix}{sig:${name}}:${minute}`,
    /** How far a tag_added / segment_entered journey's trigger scan got. */
    journeyCursor: (journeyId: number) => `${prefix}journey:cursor:${journeyId}`,
    /** Change counters of the bot's keyword rules, templates and staff (RuleVersion). */
    botVersion: (what: 'rules' | 'templates' | 'staff') => `${prefix}bot:version:${what}`,
    /** Change counter of stores' own settings (quiet hours), read by the journey engine. */
    storesVersion: () => `${prefix}stores:version`,
    /** A nonce a mall/POS source used on a signed order request (replay guard). */
    orderNonce: (source: string, nonce: string) => `${prefix}ord:nonce:${source}:${nonce}`,
  };
}
export type CacheKeys = ReturnType<typeof cacheKeys>;

export const TTL = {
  journeyCursorMs: 365 * 86_400_000,
  wecomRateWindowMs: 60_000,
  wecomTokenLockMs: 10_000,
  callbackSeenMs: 10 * 60_000,
  formTokenMs: 30 * 60_000,
  // Long enough never to matter; a counter that expires reads as 0, which readers treat as a change.
  botVersionMs: 365 * 24 * 3_600_000,
  // Twice the 5-minute timestamp window, so a nonce outlives every request that may carry it.
  orderNonceMs: 10 * 60_000,
  // A bot that has not reported for this long reads as never having run.
  botStatusMs: 30 * 86_400_000,
  // Longer than the widest alert window (alerts.windowMin is at most 120).
  alertSignalMs: 3 * 3_600_000,
} as const;
