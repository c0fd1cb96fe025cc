import { z } from 'zod';
import { intish, timeOfDay } from './fields.js';

/** Journeys: when customers may be messaged, how often, and how the engine claims its work. */
export const journeysEnv = {
  JOURNEY_QUIET_FROM: 'journeys.quietFrom',
  JOURNEY_QUIET_TO: 'journeys.quietTo',
  JOURNEY_CAP_PER_DAY: 'journeys.capPerDay',
  JOURNEY_CAP_PER_WEEK: 'journeys.capPerWeek',
  JOURNEY_TICK_SECONDS: 'journeys.tickSeconds',
  JOURNEY_LEASE_MS: 'journeys.leaseMs',
  JOURNEY_TEMPLATE_SETTLE_SECONDS: 'journeys.templateSettleSec',
  JOURNEY_ORDER_MAX_AGE_HOURS: 'journeys.orderMaxAgeHours',
  DORMANT_DAYS: 'journeys.dormantDays',
  REACTIVATION_HOLDOUT_PCT: 'journeys.holdoutPct',
};

export const journeysShape = {
  journeys: z.object({
    /** Quiet hours (Asia/Shanghai): customer messages due inside wait for the window's end. */
    quietFrom: timeOfDay,
    quietTo: timeOfDay,
    /** Marketing touches per customer across all journeys (transactional messages exempt). */
    capPerDay: intish.min(0).max(100),
    capPerWeek: intish.min(0).max(700),
    /** WeCom mass messages a customer may receive per month; 0 = as many as the month has days (WeCom's default rule). */
    massPerMonth: intish.min(0).max(31),
    tickSeconds: intish.min(1).max(3600),
    /** No purchase and no message for this many days: dormant (reactivation). */
    dormantDays: intish.min(7).max(730),
    /** Share of each day's dormant customers held out (recorded, not touched) to measure lift. */
    holdoutPct: z.coerce.number().min(0).max(0.5),
    /** A claimed run or touch is taken over by another instance after this (a process died mid-tick). */
    leaseMs: intish.min(1000).max(3600000),
    batch: intish.min(1).max(5000),
    maxAttempts: intish.min(1).max(20),
    /**
     * After a template call (add_msg_template) interrupted with no answer, wait this long before
     * looking for the task in WeCom and sending again if there is none (see journey-engine.ts).
     */
    templateSettleSec: intish.min(10).max(3600),
    /** A live order paid longer ago than this starts no order_paid journey (domain/journey/order-entry.ts). */
    orderMaxAgeHours: intish.min(1).max(720),
  }),
};
