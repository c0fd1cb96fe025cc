import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { CustomerFacts, JourneyActions, JourneyRepo, JourneyTexts, StoreSettings, MassMessageResults } from './journey.ports.js';
import type { TimelineSink } from './journey-timeline.js';
import type { Caps, QuietHours } from './policy.js';

export interface EngineConfig {
  account: string;
  quietHours: QuietHours;
  caps: Caps;
  /** WeCom mass messages a customer may receive per month (0: as many as the month has days). */
  massPerMonth: number;
  leaseMs: number;
  batch: number;
  maxAttempts: number;
  /** false: no bot account (BOT_ENABLED=false); the ladder starts at the WeCom mass message. */
  botEnabled?: boolean;
  /** Sender of template messages and owner of tasks for customers without an owner rep. */
  defaultRepUserId?: string;
  /**
   * How long after an interrupted template call the engine waits before looking for the task it
   * may have created (and sending again when there is none): WeCom may finish a request after
   * our side gave up on it, and documents no delay before a new task is listed.
   */
  templateSettleMs: number;
}

export interface TickCounts {
  runsAdvanced: number;
  touchesCreated: number;
  sent: number;
  skipped: number;
  deferred: number;
  failed: number;
}

/** What the journey engine is built from (both halves: advancing runs and delivering touches). */
export interface EngineDeps {
  repo: JourneyRepo;
  facts: CustomerFacts;
  actions: JourneyActions;
  texts: JourneyTexts;
  clock: Clock;
  log: Logger;
  owner: string;
  config: EngineConfig;
  /** Stores' own quiet hours; the config's apply to stores without them. */
  stores?: StoreSettings;
  /** WeCom's mass-message records: where an interrupted template call is looked for. */
  templates: Pick<MassMessageResults, 'listCreated' | 'tasks' | 'sendResults'>;
  /** The customers' timelines: every touch sent, tag step and coupon is written there. */
  timeline: TimelineSink;
  /** Each touch's outcome (metrics): sent + channel, skipped + reason, deferred, failed + code. */
  onTouch?(outcome: 'sent' | 'skipped' | 'deferred' | 'failed', detail: string): void;
}
