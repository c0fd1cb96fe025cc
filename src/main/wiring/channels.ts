import { ChannelLookup } from '../../domain/channel/channel-lookup.js';
import { ChannelService } from '../../domain/channel/channel.service.js';
import { CustomerEditService } from '../../domain/customer/customer-edit.service.js';
import { CustomerService } from '../../domain/customer/customer.service.js';
import { IdentityService } from '../../domain/customer/identity.service.js';
import { LandingService } from '../../domain/landing/landing.service.js';
import { MediaService } from '../../domain/media/media.service.js';
import { TagService } from '../../domain/tag/tag.service.js';
import { PiiCipher } from '../../shared/pii.js';
import { CacheMutex, CacheRateLimiter } from '../../persistence/cache/rate-limiter.js';
import { SqlChannelRepo } from '../../persistence/channel.repo.js';
import { SqlCustomerRepo, customerTransactor } from '../../persistence/customer.repo.js';
import { SqlLandingRepo, landingTransactor } from '../../persistence/landing.repo.js';
import { SqlMediaRepo } from '../../persistence/media.repo.js';
import { SqlTagRepo } from '../../persistence/tag.repo.js';
import type { Platform } from './platform.js';
import type { WecomParts } from './wecom.js';

/**
 * Channels (one per place a QR code is shown), their tags and welcome media, the landing page
 * behind each QR, and the customer lookups the other areas share. Rules live in
 * domain/channel, domain/landing, domain/tag, domain/media and domain/customer.
 */
export function wireChannels(p: Platform, w: WecomParts) {
  const { db, cache, keys, clock, log, config } = p;
  const channelRepo = new SqlChannelRepo(db);
  const customerRepo = new SqlCustomerRepo(db);
  const tags = new TagService({ tags: new SqlTagRepo(db), corpTags: w.gateways, log: log.child({ module: 'tags' }) });
  const lookup = new ChannelLookup(channelRepo, clock);
  const media = new MediaService({
    repo: new SqlMediaRepo(db),
    uploader: w.gateways,
    cache: {
      get: (sha1) => cache.get(keys.mediaId(config.wecom.corpId, sha1)),
      set: (sha1, mediaId, ttlMs) => cache.set(keys.mediaId(config.wecom.corpId, sha1), mediaId, ttlMs),
    },
    clock,
    log: log.child({ module: 'media' }),
  });
  const channels = new ChannelService({
    channels: channelRepo,
    contactWays: w.gateways,
    tags,
    clock,
    log: log.child({ module: 'channels' }),
    onChange: (c) => lookup.forget(c.code),
    assetExists: (id) => media.exists(id),
  });
  const customers = new CustomerService({ customers: customerRepo, corpId: config.wecom.corpId });
  // Every way a person comes in (add, landing, order, Pay, bot chat) finds or creates them here.
  const people = new IdentityService({ tx: customerTransactor(db), clock, log: log.child({ module: 'identities' }) });
  const pii = new PiiCipher(config.piiKey);
  const landingRepo = new SqlLandingRepo(db);
  const limiter = new CacheRateLimiter(cache, keys, clock);
  const landing = new LandingService({
    channels: channelRepo,
    lookup,
    landing: landingRepo,
    tx: landingTransactor(db),
    people,
    tags,
    contactWays: w.gateways,
    limiter,
    mutex: new CacheMutex(cache, keys),
    pii,
    clock,
    log: log.child({ module: 'landing' }),
  });
  const storeExists = (id: number) => channelRepo.storeExists(id);
  // Tag and note edits by operators and journeys alike: timeline, WeCom mark_tag, one rule for what may be removed.
  const customerEdits = new CustomerEditService({ tx: customerTransactor(db), customers: customerRepo, tags, wecom: w.gateways, corpId: config.wecom.corpId, clock, log: log.child({ module: 'customer-edits' }) });
  return { customerEdits, channelRepo, customerRepo, tags, lookup, media, channels, customers, people, pii, landingRepo, limiter, landing, storeExists };
}

export type ChannelParts = ReturnType<typeof wireChannels>;
