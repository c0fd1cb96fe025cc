/** The alert rules Siyu evaluates in-process (the Prometheus rules in config/monitoring mirror them). */
export const ALERT_RULES = [
  'callback_failures',
  'wecom_ip_blocked',
  'wecom_token_invalid',
  'send_failures',
  'job_stale',
  'bot_logged_out',
  'outbox_backlog',
  'scan_drop',
] as const;
export type AlertRuleId = (typeof ALERT_RULES)[number];

/** Thresholds, from config (`alerts.rules`); validated at start-up. */
export interface AlertRulesConfig {
  /** Rates and counts are taken over this many trailing minutes. */
  windowMin: number;
  callbackFailures: { enabled: boolean; minCount: number; maxRatio: number };
  /** 60020: the server's IP is not on the app's trusted-IP list; any one in the window fires. */
  wecomIpBlocked: { enabled: boolean; minCount: number };
  /** 40001/42001 keep coming although the client refreshes the token on each (a wrong or reset secret). */
  wecomTokenInvalid: { enabled: boolean; minCount: number };
  sendFailures: { enabled: boolean; minCount: number; maxRatio: number };
  /** A job is stale when it has not succeeded for factor × its interval + grace. */
  jobStale: { enabled: boolean; factor: number; graceMin: number };
  botLoggedOut: { enabled: boolean; graceMin: number; heartbeatStaleMin: number };
  outboxBacklog: { enabled: boolean; maxDue: number; maxAgeMin: number };
  /** Today so far below (1 - minDrop) × the same hours' average over the previous 7 days. */
  scanDrop: { enabled: boolean; minBaseline: number; minDrop: number };
}

export type BotLoginState = 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out';

/** What the bot process last reported about its account (shared through the cache). */
export interface BotStatus {
  state: BotLoginState;
  /** When the state last changed. */
  since: number;
  /** The bot process's last heartbeat. */
  seenAt: number;
}

export interface JobRun {
  job: string;
  registeredAt: number;
  lastOkAt: number | null;
  lastFailedAt: number | null;
  lastError: string | null;
}

export interface JobExpectation {
  name: string;
  /** How often the schedule runs it. */
  everyMs: number;
}

export interface ChannelScans {
  channelId: number;
  name: string;
  today: number;
  /** Average over the previous days, same hours of the day. */
  baseline: number;
}

/** Everything the rules look at, read once per evaluation. Counts cover the trailing window. */
export interface AlertSnapshot {
  now: number;
  windowMin: number;
  callbacks: { total: number; failed: number };
  wecom: { calls: number; byErrcode: Record<string, number> };
  sends: { sent: number; failed: number };
  outbox: { due: number; oldestDueAt: number | null };
  jobs: Array<JobExpectation & { run?: JobRun }>;
  bot: { account: string; status?: BotStatus };
  scans: ChannelScans[];
}

/** One firing condition, as a rule reports it. `title` names it; `detail` gives the numbers. */
export interface Finding {
  rule: AlertRuleId;
  subject: string;
  title: string;
  detail: string;
}

export type AlertStatus = 'firing' | 'resolved';

export interface AlertState {
  key: string;
  rule: AlertRuleId;
  subject: string;
  status: AlertStatus;
  title: string;
  detail: string;
  firedAt: number;
  lastNotifiedAt: number | null;
  resolvedAt: number | null;
  notices: number;
  version: number;
  updatedAt: number;
}

export const alertKey = (f: { rule: string; subject: string }) => `${f.rule}:${f.subject}`;
