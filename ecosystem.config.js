// PM2 process file for a production-shaped deployment (MySQL + Redis). Build first:
//   npm ci && npm run build && NODE_ENV=production node dist/src/main/migrate.js
//   pm2 start ecosystem.config.js --env production
// Roles: http is stateless and runs in cluster mode; jobs runs once (its work is lease-safe,
// so a second copy during a deploy does no harm); bot must be exactly one per bot account, and
// is not started at all with BOT_ENABLED=false (a deployment with no bot account).
// The package is an ES module; Node >= 20.19 lets PM2 require() it, and PM2 reads `apps`
// from the module namespace (a default export would be ignored).
const shared = {
  // config/ and data/ are found from the working directory: this file's, wherever pm2 runs.
  cwd: import.meta.dirname,
  wait_ready: true,
  listen_timeout: 15000,
  kill_timeout: 12000,
  max_memory_restart: '1G',
  // A role that refused to start for a configuration reason exits 78, a disabled one 0
  // (src/main/process.ts): restarting either changes nothing, so PM2 leaves them stopped.
  stop_exit_codes: [0, 78],
  // Anything else (the database or Redis down at start, a crash) is restarted, waiting
  // 200 ms, then 1.5× longer each time up to 15 s; the wait resets after 30 s of uptime.
  exp_backoff_restart_delay: 200,
  env_production: { NODE_ENV: 'production' },
};

const noBot = ['false', '0'].includes(process.env.BOT_ENABLED ?? '');

export const apps = [
  { ...shared, name: 'siyu-http', script: 'dist/src/main/http.js', exec_mode: 'cluster', instances: Number(process.env.SIYU_HTTP_INSTANCES) || 'max' },
  // METRICS_PORT: where Prometheus scrapes these two (config/monitoring/prometheus.yml).
  { ...shared, name: 'siyu-jobs', script: 'dist/src/main/jobs.js', exec_mode: 'fork', instances: 1, env: { METRICS_PORT: process.env.SIYU_JOBS_METRICS_PORT || '9465' } },
  ...(noBot ? [] : [{ ...shared, name: 'siyu-bot', script: 'dist/src/main/bot.js', exec_mode: 'fork', instances: 1, env: { METRICS_PORT: process.env.SIYU_BOT_METRICS_PORT || '9464' } }]),
];
