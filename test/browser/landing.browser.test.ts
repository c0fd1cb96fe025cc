import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

// Debian's Chromium; .ci/run installs it. Never a browser download.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

test(`[${backendName}] a person on a phone fills the landing form, sees the errors, submits and gets the rep's QR`, async (t) => {
  const siyu = await startApp(t);
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '电梯-5号楼-C',
      kind: 'elevator',
      staffUserIds: ['rep001'],
      welcomeText: '欢迎{name}',
      attributes: { 楼栋: '5号楼', 电梯: 'C' },
    })
  ).json as { code: string };
  const browser = await launch();
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'zh-CN' })).newPage();

  await page.goto(`${siyu.url}/s/${ch.code}`);
  t.is(await page.locator('h1').textContent(), '电梯-5号楼-C');

  // Inline validation in the page, before anything reaches the server.
  await page.fill('#name', '王芳');
  await page.fill('#phone', '123');
  await page.click('button[type=submit]');
  t.is(await page.locator('#phone-err').textContent(), '请填写正确的11位手机号');
  t.is(await page.locator('#consent-err').textContent(), '请阅读并同意隐私说明');
  t.is(Number((await siyu.db('leads').count({ n: '*' }))[0]!.n), 0);

  await page.fill('#phone', '139 0000 1234');
  await page.check('#consent');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  t.is(await page.locator('h1').textContent(), '登记成功');
  t.regex((await page.locator('.card p').first().textContent()) ?? '', /139\*\*\*\*1234/);
  const lead = await siyu.db('leads').first();
  t.is(await page.locator('#rep-qr').getAttribute('src'), lead.qr_code_url);
  await page.screenshot({ path: join(tmpdir(), 'siyu-landing-thanks.png') });
});
