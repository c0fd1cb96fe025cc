import test from 'ava';
import { parseQrOptions, renderQr } from '../../src/integrations/qr/index.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { mpWorld } from '../support/mp-world.js';

const b = `[${backendName}]`;

test(`${b} without PUBLIC_BASE_URL, landing QR codes point at the port the server actually listens on`, async (t) => {
  // Port 0: the listen address is known only after listen.
  const siyu = await startApp(t);
  t.is(siyu.config.publicBaseUrl, undefined);
  t.notRegex(siyu.url!, /:3000$/);
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎' })).json;
  const svg = await fetch(`${siyu.url}/api/channels/${ch.id}/qr.svg?ecl=H`, { headers: { authorization: `Bearer ${siyu.config.adminApiKey}` } });
  t.is(svg.status, 200);
  const expected = await renderQr(`${siyu.url}/s/${ch.code}`, parseQrOptions({ format: 'svg', ecl: 'H' }));
  t.is(await svg.text(), expected.toString('utf8'));
  // And the landing page answers at that address.
  t.is((await fetch(`${siyu.url}/s/${ch.code}`)).status, 200);
});

test(`${b} the mini-program's channel landing URL is the listen address when PUBLIC_BASE_URL is unset`, async (t) => {
  const { siyu, as } = await mpWorld(t);
  const c = await as('hq', 'POST', '/channels', { name: '海报', kind: 'poster', staffUserIds: ['rep1a'], welcomeText: '欢迎' });
  t.is(c.status, 201);
  t.is(c.json.landingUrl, `${siyu.url}/s/${c.json.code}`);
});

test(`${b} a configured PUBLIC_BASE_URL still wins over the listen address`, async (t) => {
  const siyu = await startApp(t, { overrides: { publicBaseUrl: 'https://siyu.example.test/' } });
  const ch = (await admin(siyu).post('/api/channels', { name: '柜台', kind: 'counter', staffUserIds: ['rep001'], welcomeText: '欢迎' })).json;
  const svg = await fetch(`${siyu.url}/api/channels/${ch.id}/qr.svg`, { headers: { authorization: `Bearer ${siyu.config.adminApiKey}` } });
  t.is(await svg.text(), (await renderQr(`https://siyu.example.test/s/${ch.code}`, parseQrOptions({ format: 'svg' }))).toString('utf8'));
});
