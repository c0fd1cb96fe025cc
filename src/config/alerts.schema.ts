import { z } from 'zod';
import { flag, intish, minCount, ratio } from './fields.js';

/** In-process alert rules (src/domain/alert), sent to bot.adminUserIds by WeCom app message. */
export const alertsEnv = {
  ALERTS_ENABLED: 'alerts.enabled',
  ALERTS_EVERY_SEC: 'alerts.everySec',
  ALERTS_WINDOW_MIN: 'alerts.windowMin',
  ALERTS_REMIND_EVERY_HOURS: 'alerts.remindEveryHours',
};

export const alertsShape = {
  alerts: z.object({
    enabled: flag,
    everySec: intish.min(10).max(3600),
    /** Rates and counts are taken over this many trailing minutes. */
    windowMin: intish.min(1).max(120),
    /** While an alert keeps firing, a reminder at most this often. */
    remindEveryHours: z.coerce.number().min(0.25).max(168),
    rules: z.object({
      callbackFailures: z.object({ enabled: flag, minCount, maxRatio: ratio }),
      wecomIpBlocked: z.object({ enabled: flag, minCount }),
      wecomTokenInvalid: z.object({ enabled: flag, minCount }),
      sendFailures: z.object({ enabled: flag, minCount, maxRatio: ratio }),
      jobStale: z.object({ enabled: flag, factor: z.coerce.number().min(1).max(100), graceMin: intish.min(0).max(1440) }),
      botLoggedOut: z.object({ enabled: flag, graceMin: intish.min(0).max(1440), heartbeatStaleMin: intish.min(1).max(1440) }),
      outboxBacklog: z.object({ enabled: flag, maxDue: minCount, maxAgeMin: intish.min(1).max(10080) }),
      scanDrop: z.object({ enabled: flag, minBaseline: z.coerce.number().min(1).max(1000000), minDrop: z.coerce.number().min(0.05).max(1) }),
    }),
  }),
};
