import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * All metrics of one process, on its own registry (no global default registry, so tests can
 * build several apps in one process). Names follow Prometheus conventions.
 */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  // Read from the database when Prometheus scrapes (any role can answer), set by the composition root.
  let outboxSource: (() => Promise<OutboxGaugeValues | undefined>) | undefined;
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'siyu_' });
  const m = {
    registry,
    httpRequests: new Counter({ name: 'siyu_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'siyu_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    callbacks: new Counter({ name: 'siyu_wecom_callbacks_total', help: 'WeCom callbacks by outcome', labelNames: ['outcome'], registers: [registry] }),
    callbackEvents: new Counter({
      name: 'siyu_wecom_callback_events_total',
      help: 'Processed WeCom events by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    wecomApiCalls: new Counter({ name: 'siyu_wecom_api_calls_total', help: 'WeCom API calls by path and errcode', labelNames: ['path', 'errcode'], registers: [registry] }),
    welcomes: new Counter({ name: 'siyu_welcome_sends_total', help: 'Welcome messages by outcome', labelNames: ['outcome'], registers: [registry] }),
    welcomeLatency: new Histogram({
      name: 'siyu_welcome_latency_seconds',
      help: 'From callback arrival to welcome accepted by WeCom',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
      registers: [registry],
    }),
    inboxBatch: new Histogram({
      name: 'siyu_callback_inbox_batch_size',
      help: 'Callback events written per group commit',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers: [registry],
    }),
    inboxFlush: new Histogram({
      name: 'siyu_callback_inbox_flush_seconds',
      help: 'Duration of one group commit of callback events',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    botLoggedIn: new Gauge({ name: 'siyu_bot_logged_in', help: '1 while the bot account is logged in, 0 otherwise', labelNames: ['account'], registers: [registry] }),
    botLoginEvents: new Counter({ name: 'siyu_bot_login_events_total', help: 'Bot account login state changes', labelNames: ['account', 'state'], registers: [registry] }),
    botInbound: new Counter({ name: 'siyu_bot_inbound_messages_total', help: 'Messages the bot received, by what became of them', labelNames: ['outcome'], registers: [registry] }),
    outboxResults: new Counter({ name: 'siyu_outbox_results_total', help: 'Outbox deliveries by outcome', labelNames: ['outcome'], registers: [registry] }),
    outboxDepth: new Gauge({
      name: 'siyu_outbox_messages',
      help: 'Outbox rows of the bot account waiting (pending) or being sent (sending), read on scrape',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const v = await outboxSource?.();
        if (v) for (const status of ['pending', 'sending'] as const) this.set({ status }, v[status]);
      },
    }),
    outboxDue: new Gauge({
      name: 'siyu_outbox_due_messages',
      help: 'Outbox rows already due and not yet sent (pending past due_at, or sending), read on scrape',
      registers: [registry],
      async collect() {
        const v = await outboxSource?.();
        if (v) this.set(v.due);
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'siyu_outbox_oldest_pending_seconds',
      help: 'Age of the oldest due outbox row not yet sent (0 when none), read on scrape',
      registers: [registry],
      async collect() {
        const v = await outboxSource?.();
        if (v) this.set(v.oldestDueAgeSec);
      },
    }),
    jobRuns: new Counter({ name: 'siyu_job_runs_total', help: 'Scheduled job runs by job and outcome (ok, failed, skipped: another instance held the lock)', labelNames: ['job', 'outcome'], registers: [registry] }),
    jobDuration: new Histogram({ name: 'siyu_job_duration_seconds', help: 'Duration of scheduled job runs', labelNames: ['job'], buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry] }),
    jobLastSuccess: new Gauge({ name: 'siyu_job_last_success_timestamp_seconds', help: 'When each job last finished without error (alert when it stops moving)', labelNames: ['job'], registers: [registry] }),
    touches: new Counter({ name: 'siyu_touches_total', help: 'Journey touches by outcome (sent by channel, skipped by reason, deferred, failed)', labelNames: ['outcome', 'detail'], registers: [registry] }),
    alertsFiring: new Gauge({ name: 'siyu_alerts_firing', help: 'In-process alert rules firing now (subjects per rule), as of the last evaluation', labelNames: ['rule'], registers: [registry] }),
    alertNotices: new Counter({ name: 'siyu_alert_notices_total', help: 'Admin alert notices by kind (firing, reminder, resolved) and outcome (sent, failed)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    eventBacklog: new Gauge({ name: 'siyu_callback_events_in_flight', help: 'Callback events accepted but not yet processed in this process', registers: [registry] }),
    /** Where the outbox gauges read from; cached for `cacheMs` so a burst of scrapes costs one query. */
    setOutboxSource(read: () => Promise<OutboxGaugeValues | undefined>, cacheMs = 5000) {
      let cached: { at: number; p: Promise<OutboxGaugeValues | undefined> } | undefined;
      // Wall time on purpose: this paces scrapes, it is not business time.
      outboxSource = () => {
        if (!cached || Date.now() - cached.at >= cacheMs) cached = { at: Date.now(), p: read() };
        return cached.p;
      };
    },
  };
  return m;
}

export interface OutboxGaugeValues {
  pending: number;
  sending: number;
  due: number;
  oldestDueAgeSec: number;
}
export type Metrics = ReturnType<typeof createMetrics>;
