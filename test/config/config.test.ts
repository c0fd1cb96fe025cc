import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

const real = {
  WECOM_CORP_ID: 'ww0123456789abcdef',
  WECOM_TOKEN: 'tok',
  WECOM_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  WECOM_CONTACT_SECRET: 'secret',
  ADMIN_API_KEY: 'a'.repeat(32),
  JWT_SECRET: 'j'.repeat(32),
  PII_KEY: 'ab'.repeat(32),
};

test('with no WeCom credentials, test config runs in sandbox with generated secrets', (t) => {
  const c = loadConfig({ env: { NODE_ENV: 'test' } });
  t.true(c.sandbox);
  t.is(c.wecom.aesKey.length, 43);
  t.is(c.piiKey.length, 32);
  t.true(c.adminApiKey.length >= 16);
  t.is(c.wecom.apiBase, 'https://qyapi.weixin.qq.com');
});

test('environment overrides files and real credentials turn sandbox off', (t) => {
  const c = loadConfig({ env: { NODE_ENV: 'test', PORT: '8080', WECOM_API_BASE: 'http://127.0.0.1:9', ...real } });
  t.false(c.sandbox);
  t.is(c.port, 8080);
  t.is(c.wecom.corpId, real.WECOM_CORP_ID);
  t.is(c.wecom.apiBase, 'http://127.0.0.1:9');
  t.is(c.piiKey.toString('hex'), real.PII_KEY);
});

test('every bad key is listed at once', (t) => {
  const p = problems({ NODE_ENV: 'test', PORT: 'abc', WECOM_AES_KEY: 'short', MYSQL_URL: 'postgres://x', LOG_LEVEL: 'loud' });
  t.true(p.some((x) => x.startsWith('port')));
  t.true(p.some((x) => x.startsWith('wecom.aesKey')));
  t.true(p.some((x) => x.startsWith('db.mysqlUrl')));
  t.true(p.some((x) => x.startsWith('logLevel')));
});

test('partial WeCom credentials are an error naming the missing ones', (t) => {
  const p = problems({ NODE_ENV: 'test', WECOM_CORP_ID: 'ww1' });
  t.true(p.some((x) => x.includes('WECOM_TOKEN')));
  t.true(p.some((x) => x.includes('WECOM_AES_KEY')));
  t.true(p.some((x) => x.includes('WECOM_CONTACT_SECRET')));
});

test('production refuses the sandbox and missing secrets', (t) => {
  const p = problems({ NODE_ENV: 'production' });
  t.true(p.some((x) => x.startsWith('sandbox')));
  for (const k of ['ADMIN_API_KEY', 'JWT_SECRET', 'PII_KEY']) t.true(p.some((x) => x.includes(k)), k);
  t.true(problems({ NODE_ENV: 'production', ...real, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' }).some((x) => x.startsWith('publicBaseUrl')), 'posters must not point at localhost');
  t.deepEqual(problems({ NODE_ENV: 'production', ...real, PUBLIC_BASE_URL: 'https://siyu.example.com', BOT_ENABLED: 'false' }), []);
});

test('PUBLIC_BASE_URL is required in production only; elsewhere, unset, it is derived from the listen address', (t) => {
  t.true(problems({ NODE_ENV: 'production', ...real }).some((x) => x.startsWith('publicBaseUrl') && x.includes('required')));
  t.is(loadConfig({ env: { NODE_ENV: 'development' } }).publicBaseUrl, undefined);
  t.is(loadConfig({ env: { NODE_ENV: 'development', PORT: '4000' } }).publicBaseUrl, undefined);
  t.is(loadConfig({ env: { NODE_ENV: 'development', PUBLIC_BASE_URL: 'https://a.example.com' } }).publicBaseUrl, 'https://a.example.com');
});

test('secrets can come from *_FILE and PII_KEY must be 32 bytes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-cfg-'));
  writeFileSync(join(dir, 'admin'), 'k'.repeat(40) + '\n');
  const c = loadConfig({ env: { NODE_ENV: 'test', ADMIN_API_KEY_FILE: join(dir, 'admin') } });
  t.is(c.adminApiKey, 'k'.repeat(40));
  t.true(problems({ NODE_ENV: 'test', PII_KEY: 'abcd' }).some((x) => x.startsWith('piiKey')));
});

test('the mini-program AppID and secret come in pairs (secret from a file too); the sandbox generates a pair', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'siyu-cfg-'));
  writeFileSync(join(dir, 'mini'), 'ab'.repeat(16) + '\n');
  const c = loadConfig({ env: { NODE_ENV: 'test', WECHAT_MINI_APPID: 'wx0123456789abcdef', WECHAT_MINI_SECRET_FILE: join(dir, 'mini'), WECHAT_API_BASE: 'http://127.0.0.1:9' } });
  t.like(c.wechat, { miniAppId: 'wx0123456789abcdef', miniAppSecret: 'ab'.repeat(16), apiBase: 'http://127.0.0.1:9' });
  t.true(problems({ NODE_ENV: 'test', WECHAT_MINI_APPID: 'wx0123456789abcdef' }).some((x) => x.startsWith('wechat.miniAppId')));
  t.true(problems({ NODE_ENV: 'test', WECHAT_MINI_APPID: 'not-an-appid', WECHAT_MINI_SECRET: 'ab'.repeat(16) }).some((x) => x.startsWith('wechat.miniAppId')));
  const sandbox = loadConfig({ env: { NODE_ENV: 'test' } });
  t.regex(sandbox.wechat.miniAppId!, /^wx[0-9a-f]{16}$/);
  t.regex(sandbox.wechat.miniAppSecret!, /^[0-9a-f]{32}$/);
});

test('MP_APPID, the mini-program linked to the WeCom app, is optional and must be an AppID', (t) => {
  t.is(loadConfig({ env: { NODE_ENV: 'test' } }).wecom.linkedMiniAppId, undefined, 'unset: hand-off notices are text');
  t.is(loadConfig({ env: { NODE_ENV: 'test', MP_APPID: 'wx0123456789abcdef' } }).wecom.linkedMiniAppId, 'wx0123456789abcdef');
  t.true(problems({ NODE_ENV: 'test', MP_APPID: 'wx123' }).some((x) => x.startsWith('wecom.linkedMiniAppId')));
});

test('production says whether it has a bot: a WorkPro token, or BOT_ENABLED=false; never the mock puppet', (t) => {
  const prod = { NODE_ENV: 'production', ...real, PUBLIC_BASE_URL: 'https://siyu.example.com' };
  const noToken = problems(prod);
  t.is(noToken.length, 1);
  t.true(noToken[0]!.startsWith('bot.puppetToken') && noToken[0]!.includes('WECHATY_PUPPET_SERVICE_TOKEN') && noToken[0]!.includes('BOT_ENABLED=false'), noToken[0]);
  t.true(problems({ ...prod, WECHATY_PUPPET: 'mock', WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_workpro_x' }).some((x) => x.startsWith('bot.puppet (WECHATY_PUPPET)')));
  t.true(problems({ ...prod, BOT_ENABLED: 'maybe' }).some((x) => x.startsWith('bot.enabled')));

  const withBot = loadConfig({ env: { ...prod, WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_workpro_x' } });
  t.true(withBot.bot.enabled);
  t.true(withBot.alerts.rules.botLoggedOut.enabled);
  const noBot = loadConfig({ env: { ...prod, BOT_ENABLED: 'false' } });
  t.false(noBot.bot.enabled);
  t.false(noBot.alerts.rules.botLoggedOut.enabled, 'no login to watch');
  t.false(loadConfig({ env: { ...prod, BOT_ENABLED: '0', WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_workpro_x' } }).bot.enabled, 'a token does not overrule BOT_ENABLED=false');
});

test('outside production the bot runs on the mock puppet in sandbox, and is off with a real WeCom and no token', (t) => {
  t.true(loadConfig({ env: { NODE_ENV: 'test' } }).bot.enabled);
  t.false(loadConfig({ env: { NODE_ENV: 'test', BOT_ENABLED: 'false' } }).bot.enabled);
  t.false(loadConfig({ env: { NODE_ENV: 'test', ...real } }).bot.enabled);
  t.true(loadConfig({ env: { NODE_ENV: 'test', ...real, WECHATY_PUPPET_SERVICE_TOKEN: 'puppet_workpro_x' } }).bot.enabled);
});
