import test from 'ava';
import { parseQrOptions, renderQr } from '../../src/integrations/qr/index.js';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;

async function upload(siyu: Siyu, bytes: Buffer, type: string) {
  const res = await fetch(`${siyu.url}/api/media/images`, { method: 'POST', headers: { authorization: `Bearer ${siyu.config.adminApiKey}`, 'content-type': type }, body: new Uint8Array(bytes) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

test(`${b} a welcome carries the channel's image and mini-program card, uploaded to WeCom once`, async (t) => {
  const siyu = await startApp(t);
  const png = await renderQr('https://example.test/cover', parseQrOptions({ format: 'png', size: 256 }));
  const asset = await upload(siyu, png, 'image/png');
  t.is(asset.status, 201);
  t.is((await upload(siyu, png, 'image/png')).json.id, asset.json.id, 'the same image is one asset');
  const ch = (
    await admin(siyu).post('/api/channels', {
      name: '带图欢迎',
      kind: 'poster',
      staffUserIds: ['rep001'],
      welcomeText: '欢迎',
      welcomeImageAsset: asset.json.id,
      welcomeMiniprogram: { title: '领取新人券', appid: 'wx1234567890abcdef', page: 'pages/coupon/index', assetId: asset.json.id },
    })
  ).json;
  t.is(ch.welcomeImageAsset, asset.json.id);
  for (const name of ['甲', '乙']) {
    const scan = await siyu.emulator!.customerScans(ch.configId, { name });
    await siyu.processor.drain();
    const w = siyu.emulator!.welcomes.find((x) => x.externalUserId === scan.externalUserId)!;
    const [image, mini] = w.attachments as Array<Record<string, any>>;
    t.is(image!.msgtype, 'image');
    t.truthy(siyu.emulator!.media(image!.image.media_id), 'a media id WeCom knows');
    t.is(mini!.msgtype, 'miniprogram');
    t.like(mini!.miniprogram, { title: '领取新人券', appid: 'wx1234567890abcdef', page: 'pages/coupon/index', pic_media_id: image!.image.media_id });
  }
  t.is(siyu.emulator!.callsTo('/cgi-bin/media/upload').length, 1, 'uploaded once, then the cached media id');
});

test(`${b} when the image cannot be uploaded the welcome still goes out, without it`, async (t) => {
  const siyu = await startApp(t);
  const png = await renderQr('https://example.test/x', parseQrOptions({ format: 'png', size: 128 }));
  const asset = (await upload(siyu, png, 'image/png')).json;
  const ch = (await admin(siyu).post('/api/channels', { name: '图挂了', kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎', welcomeImageAsset: asset.id })).json;
  siyu.emulator!.injectFault('/cgi-bin/media/upload', { errcode: 40005, times: 10 });
  const scan = await siyu.emulator!.customerScans(ch.configId, { name: '丙' });
  await siyu.processor.drain();
  const w = siyu.emulator!.welcomes.find((x) => x.externalUserId === scan.externalUserId);
  t.is(w?.text, '欢迎');
  t.deepEqual(w?.attachments, []);
});

test(`${b} bad images and unknown assets are refused`, async (t) => {
  const siyu = await startApp(t);
  t.is((await upload(siyu, Buffer.from('GIF89a....'), 'image/gif')).status, 415);
  const fake = await upload(siyu, Buffer.from('not really a png at all'), 'image/png');
  t.is(fake.status, 400);
  t.regex(fake.json.error.message, /不是有效的图片/);
  t.is((await upload(siyu, Buffer.alloc(3 * 1024 * 1024, 1), 'image/jpeg')).status, 413);
  t.is((await upload(siyu, Buffer.alloc(0), 'image/png')).status, 400);
  const res = await admin(siyu).post('/api/channels', { name: '无图', kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎', welcomeImageAsset: 999 });
  t.is(res.status, 400);
  t.is(res.json.error.code, 'CHANNEL.IMAGE_NOT_FOUND');
  t.is((await admin(siyu).post('/api/channels', { name: '坏卡片', kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎', welcomeMiniprogram: { title: 'x', appid: 'nope', page: 'p', assetId: 1 } })).status, 400);
  t.is(Number((await siyu.db('media_assets').count({ n: '*' }))[0]!.n), 0);
});
