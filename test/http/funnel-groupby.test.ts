import test from 'ava';
import { shanghaiDay } from '../../src/shared/shanghai-time.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';
import { mpWorld } from '../support/mp-reports-world.js';

const b = `[${backendName}]`;
const today = () => {
  const d = String(shanghaiDay(Date.now()));
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
};
const base = { kind: 'poster', staffUserIds: ['rep001'], welcomeText: '欢迎' };

test(`${b} grouping the funnel by an Object.prototype name reads only the channels' own attributes`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  t.is((await api.post('/api/channels', { ...base, name: '海报一', attributes: { 楼栋: '1号楼' } })).status, 201);
  t.is((await api.post('/api/channels', { ...base, name: '海报二', attributes: { 楼栋: '2号楼' } })).status, 201);
  // A placement attribute that happens to be called constructor is still an ordinary attribute.
  t.is((await api.post('/api/channels', { ...base, name: '海报三', attributes: { constructor: '三号位' } })).status, 201);
  for (const label of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const q = `/api/funnel?from=${today()}&to=${today()}&groupBy=${encodeURIComponent(label)}`;
    const json = await api.get(q);
    t.is(json.status, 200, `${label}: ${json.text}`);
    const keys = json.json.rows.map((r: { key: unknown }) => r.key).sort();
    t.deepEqual(keys, label === 'constructor' ? ['三号位', '未设置'] : ['未设置'], label);
    t.true(json.json.rows.every((r: { key: unknown }) => typeof r.key === 'string'));
    const csv = await api.get(`${q}&format=csv`);
    t.is(csv.status, 200, label);
    t.notRegex(csv.text, /function|native code/, label);
    t.true(csv.text.includes('未设置'), label);
  }
});

test(`${b} the mini-program funnel grouped by toString or __proto__ answers the unset group, not a 500`, async (t) => {
  const w = await mpWorld(t);
  for (const label of ['toString', '__proto__', 'constructor']) {
    const res = await w.as('hq', 'GET', `/reports/funnel?groupBy=${encodeURIComponent(label)}`);
    t.is(res.status, 200, `${label}: ${JSON.stringify(res.json)}`);
    t.deepEqual(res.json.rows.map((r: { key: unknown }) => r.key), ['未设置'], label);
  }
});
