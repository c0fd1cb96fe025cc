// PM2 process file for a production-shaped deployment (MySQL + Redis). Build first:
//   npm ci && npm run build && NODE_ENV=production node dist/src/main/migrate.js
//   pm2 start ecosystem.config.js --env production
// Roles: http is stateless and runs in cluster mode; jobs runs once (its work is lease-safe,
// so a second copy during a deploy does no harm); bot must be exactly one per bot account.
// The package is an ES module; Node >= 20.19 lets PM2 require() it, and PM2 reads `apps`
// from the module namespace (a default export would be ignored).
const shared = {
  wait_ready: true,
  listen_timeout: 15000,
  kill_timeout: 12000,
  max_memory_restart: '1G',
  env_production: { NODE_ENV: 'production' },
};

export const apps = [
  { ...shared, name: 'siyu-http', script: 'dist/src/main/http.js', exec_mode: 'cluster', instances: process.env.SIYU_HTTP_INSTANCES || 'max' },
  // METRICS_PORT: where Prometheus scrapes these two (config/monitoring/prometheus.yml).
  { ...shared, name: 'siyu-jobs', script: 'dist/src/main/jobs.js', exec_mode: 'fork', instances: 1, env: { METRICS_PORT: '9465' } },
  { ...shared, name: 'siyu-bot', script: 'dist/src/main/bot.js', exec_mode: 'fork', instances: 1, env: { METRICS_PORT: '9464' } },
];
