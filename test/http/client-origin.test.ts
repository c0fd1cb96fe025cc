import test, { type ExecutionContext } from 'ava';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { MP_LIMITS } from '../../src/domain/mp/rate-limits.js';
import type { Siyu } from '../../src/main/compose.js';
import { ManualClock } from '../../src/shared/clock.js';
import { PiiCipher } from '../../src/shared/pii.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

/**
 * X-Forwarded-For is believed only from a trusted proxy (TRUSTED_PROXIES). The test's requests
 * come from 127.0.0.1: trusted under the default (`loopback`), a stranger under `none`.
 */
const b = `[${backendName}]`;

async function world(t: ExecutionContext, trustedProxies?: string) {
  // A stopped clock: the limiter's fixed window must not end in the middle of the test.
  const clock = new ManualClock(Date.UTC(2026, 5, 15, 4, 0, 5));
  const siyu = await startApp(t, { options: { clock }, ...(trustedProxies === undefined ? {} : { overrides: { trustedProxies } }) });
  const wx = siyu.wechatEmulator!;
  let n = 0;
  const login = async (xff: string) => {
    const res = await fetch(`${siyu.url}/api/mp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': xff },
      body: JSON.stringify({ code: wx.issueCode(`o-${n++}`) }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const exhaust = async (xff: string) => {
    for (let i = 0; i < MP_LIMITS.loginPerIp.limit; i++) await login(xff);
    t.is(await login(xff), 429, 'the bucket is full');
  };
  return { siyu, login, exhaust };
}

async function scanHashes(siyu: Siyu, forwardedFor: string[]): Promise<string[]> {
  const made = await admin(siyu).post('/api/channels', { name: '电梯-A', kind: 'elevator', staffUserIds: ['rep001'], welcomeText: '您好' });
  if (made.status >= 300) throw new Error(made.text);
  const ch = made.json as { code: string };
  for (const xff of forwardedFor) await (await fetch(`${siyu.url}/s/${ch.code}`, { headers: { 'x-forwarded-for': xff } })).arrayBuffer();
  return (await siyu.db('scans').orderBy('id').select('ip_hash')).map((r: { ip_hash: string }) => r.ip_hash);
}

test(`${b} from a peer that is not a trusted proxy, a spoofed X-Forwarded-For does not change the rate-limit bucket`, async (t) => {
  const { exhaust, login } = await world(t, 'none');
  await exhaust('10.0.0.1');
  t.is(await login('10.0.0.2'), 429, 'still the socket address, 127.0.0.1');
  t.is(await login('203.0.113.9, 10.0.0.3'), 429);
});

test(`${b} from a trusted proxy, X-Forwarded-For picks the client's bucket, but not what the client wrote itself`, async (t) => {
  const { exhaust, login } = await world(t);
  await exhaust('10.0.0.1');
  t.is(await login('10.0.0.2'), 200, 'another client behind the proxy has its own bucket');
  // The client wrote "10.0.0.2"; the proxy appended the address it saw, 10.0.0.1.
  t.is(await login('10.0.0.2, 10.0.0.1'), 429);
  // A chain of trusted proxies (loopback) is skipped from the right to the first stranger.
  t.is(await login('10.0.0.1, 127.0.0.1'), 429);
  t.is(await login('garbage'), 200, 'no usable address: the proxy itself, another bucket');
});

test(`${b} the landing scan (node:http fast path) hashes the same client address: socket from a stranger, forwarded from a trusted proxy`, async (t) => {
  const untrusted = await startApp(t, { overrides: { trustedProxies: 'none' } });
  const u = await scanHashes(untrusted, ['203.0.113.7', '198.51.100.2']);
  const local = new PiiCipher(untrusted.config.piiKey).hash('ip:127.0.0.1').slice(0, 32);
  t.deepEqual(u, [local, local]);

  const trusted = await startApp(t, { overrides: { trustedProxies: '127.0.0.1' } });
  const h = await scanHashes(trusted, ['203.0.113.7', '198.51.100.2, 203.0.113.7', '::ffff:198.51.100.2']);
  t.is(h[0], new PiiCipher(trusted.config.piiKey).hash('ip:203.0.113.7').slice(0, 32));
  t.is(h[1], h[0], 'the address the proxy appended, not the one the client wrote');
  t.is(h[2], new PiiCipher(trusted.config.piiKey).hash('ip:198.51.100.2').slice(0, 32), 'an IPv4-mapped address is the IPv4 one');
});

test('TRUSTED_PROXIES takes addresses, CIDR ranges, loopback and none, and refuses anything else naming it', (t) => {
  const c = loadConfig({ env: { NODE_ENV: 'test', TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8,loopback' } });
  t.deepEqual(
    c.trustedProxies.map((r) => `${r.address}/${r.prefix}`),
    ['10.0.0.0/8', '192.168.1.7/32', 'fd00::/8', '127.0.0.0/8', '::1/128'],
  );
  t.deepEqual(loadConfig({ env: { NODE_ENV: 'test', TRUSTED_PROXIES: 'none' } }).trustedProxies, []);
  t.is(loadConfig({ env: { NODE_ENV: 'test' } }).trustedProxies.length, 2, 'loopback by default');
  for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/']) {
    const e = t.throws(() => loadConfig({ env: { NODE_ENV: 'test', TRUSTED_PROXIES: bad } }), { instanceOf: ConfigError }) as ConfigError;
    t.true(e.problems.some((p) => p.startsWith('trustedProxies:') && p.includes(bad)), e.problems.join('\n'));
  }
});
