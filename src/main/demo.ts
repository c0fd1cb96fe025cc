import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { stderrBar } from '../sandbox/demo/progress.js';
import { DemoAlreadyRan, runDemo } from '../sandbox/demo/scenario.js';
import { formatSummary } from '../sandbox/demo/summary.js';
import { createLogger } from '../shared/logger.js';

// `npm run demo`: a store's month in about a minute, on the same database `npm start` uses.
const USAGE = `npm run demo -- [--scale 1] [--seed 20261125] [--fresh] [--json] [--verbose]
  --scale    traffic multiplier (1 ≈ a minute on 2 CPUs; 0.2 for a quick look)
  --seed     random seed: the same seed gives the same month
  --fresh    delete the SQLite file first (the demo refuses a database it already filled)
  --json     print the summary as JSON instead of the report
  --verbose  the app's info logs on stderr (default: warnings only)`;

let args;
try {
  args = parseArgs({
    options: { scale: { type: 'string', default: '1' }, seed: { type: 'string', default: '20261125' }, fresh: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  }).values;
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const scale = Number(args.scale);
const seed = Number(args.seed);
if (!(scale > 0 && scale <= 5) || !Number.isInteger(seed)) {
  process.stderr.write(`--scale must be a number in (0, 5], --seed an integer\n${USAGE}\n`);
  process.exit(2);
}

let config;
try {
  // Same config as npm start (data dir, secrets in data/dev-secrets.json), but on a private
  // loopback port, and the bot allowed its fastest pace so the month fits in a minute.
  config = loadConfig({ overrides: { port: 0, host: '127.0.0.1', logLevel: args.verbose ? 'info' : 'warn', bot: { ratePerMinute: 600, jitterMs: 0 } } });
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`siyu demo: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
if (!config.sandbox) {
  process.stderr.write('siyu demo: WeCom credentials are set; the demo runs only in sandbox mode (it would message real customers). Unset WECOM_* or set SANDBOX=true.\n');
  process.exit(1);
}
const where = config.db.mysqlUrl ? 'MYSQL_URL' : config.db.sqliteFile;
if (args.fresh) {
  if (config.db.mysqlUrl) {
    process.stderr.write('siyu demo: --fresh only deletes a SQLite file; empty the MySQL database yourself.\n');
    process.exit(1);
  }
  for (const f of [config.db.sqliteFile, `${config.db.sqliteFile}-wal`, `${config.db.sqliteFile}-shm`]) rmSync(f, { force: true });
}

const log = createLogger({ level: config.logLevel }).child({ role: 'demo' });
const bar = stderrBar();
const started = Date.now();
try {
  const r = await runDemo(config, { scale, seed, log, progress: bar });
  bar.end();
  const seconds = (Date.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ seconds, scale, seed, summary: r.summary, inviteCode: r.inviteCode }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatSummary(r.summary, { seconds, scale, seed })}\n\n`);
    // Where npm start will answer (the demo itself listened on a private port).
    const base = (config.publicBaseUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
    process.stdout.write(
      [
        `数据已写入 ${where}（npm start 在同样配置下用的数据库）。查看：`,
        '  npm start',
        '  KEY=$(node -p "require(\'./data/dev-secrets.json\').adminApiKey")',
        `  curl -s -G -H "Authorization: Bearer $KEY" ${base}/api/funnel -d from=${r.summary.period.from} -d to=${r.summary.period.to} --data-urlencode groupBy=楼栋`,
        `小程序登录（沙箱，总部管理员 ${r.hqUserId}，邀请码 72 小时内有效、只能用一次）：`,
        `  CODE=$(curl -s -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"openid":"o-my-phone"}' ${base}/sandbox/wx-login | node -p 'JSON.parse(require("fs").readFileSync(0)).code')`,
        `  BIND=$(curl -s -H 'content-type: application/json' -d "{\\"code\\":\\"$CODE\\"}" ${base}/api/mp/login | node -p 'JSON.parse(require("fs").readFileSync(0)).bindToken')`,
        `  curl -s -H 'content-type: application/json' -d "{\\"bindToken\\":\\"$BIND\\",\\"inviteCode\\":\\"${r.inviteCode}\\"}" ${base}/api/mp/bind   # → accessToken`,
        `  curl -s -H "Authorization: Bearer <accessToken>" ${base}/api/mp/customers`,
        '',
      ].join('\n'),
    );
  }
  process.exit(0);
} catch (e) {
  bar.end();
  if (e instanceof DemoAlreadyRan) {
    process.stderr.write(`siyu demo: ${where} already holds a demo run. Run \`npm run demo -- --fresh\` to start over (deletes that SQLite file), or point SQLITE_FILE at another file.\n`);
    process.exit(1);
  }
  process.stderr.write(`siyu demo failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
}
