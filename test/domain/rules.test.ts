import test from 'ava';
import { normalizeText, ruleProblem, RuleBook } from '../../src/domain/conversation/rules.js';
import type { BotRuleRepo, RuleVersion } from '../../src/domain/conversation/rules.ports.js';
import type { BotRule, MatchInput, NewBotRule } from '../../src/domain/conversation/rules.types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';
import { CacheVersion } from '../../src/shared/cache-version.js';
import { cacheKeys } from '../../src/shared/cache-keys.js';
import { freshCache } from '../support/backends.js';

const log = createLogger({ level: 'silent' });

const base: NewBotRule = {
  storeId: null,
  name: 'r',
  scope: 'both',
  matchKind: 'contains',
  pattern: 'x',
  priority: 0,
  action: 'reply',
  actionArg: null,
  reply: '好的',
  cooldownSec: 0,
  enabled: true,
};

/** An in-memory rule table that counts how often it is read. */
class Rules implements Pick<BotRuleRepo, 'listBotRules'> {
  rows: BotRule[] = [];
  reads = 0;
  add(r: Partial<NewBotRule> & { id?: number }): BotRule {
    const rule = { ...base, id: r.id ?? this.rows.length + 1, ...r };
    this.rows.push(rule);
    return rule;
  }
  async listBotRules(q: { enabledOnly?: boolean } = {}): Promise<BotRule[]> {
    this.reads++;
    return this.rows.filter((r) => !q.enabledOnly || r.enabled).map((r) => ({ ...r }));
  }
}

class CountingVersion implements RuleVersion {
  n = 0;
  gets = 0;
  async get() {
    this.gets++;
    return this.n;
  }
  async bump() {
    this.n++;
  }
}

async function book(add: (rules: Rules) => void) {
  const rules = new Rules();
  add(rules);
  const clock = new ManualClock();
  const version = new CountingVersion();
  const b = new RuleBook({ rules, version, clock, log, checkEveryMs: 10_000 });
  await b.refresh();
  return { book: b, rules, version, clock };
}

const dm = (text: string, storeId: number | null = 1): MatchInput => ({ storeId, where: 'dm', text, mentioned: false });
const ids = (b: RuleBook, m: MatchInput) => b.match(m)?.id;

test('exact, contains and regex rules match as their kind says', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 1, matchKind: 'exact', pattern: '地址' });
    r.add({ id: 2, matchKind: 'contains', pattern: '营业时间' });
    r.add({ id: 3, matchKind: 'regex', pattern: '^(退|换)货' });
  });
  t.is(ids(b, dm('地址')), 1);
  t.is(ids(b, dm('你们的地址在哪')), undefined, 'exact does not match inside a sentence');
  t.is(ids(b, dm('请问营业时间是几点')), 2);
  t.is(ids(b, dm('营业')), undefined);
  t.is(ids(b, dm('换货怎么弄')), 3);
  t.is(ids(b, dm('我想换货')), undefined, 'the regex is anchored');
  t.is(ids(b, dm('   ')), undefined);
});

test('full-width letters, digits and spaces, case and surrounding blanks do not matter', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 1, matchKind: 'exact', pattern: 'WiFi密码' });
    r.add({ id: 2, matchKind: 'contains', pattern: 'vip 99' });
    r.add({ id: 3, matchKind: 'regex', pattern: '^code\\d{3}$' });
  });
  t.is(normalizeText('　ＷｉＦｉ密码 '), 'wifi密码');
  t.is(ids(b, dm('　ＷＩＦＩ密码　')), 1);
  t.is(ids(b, dm('我的ＶＩＰ　９９折呢')), 2);
  t.is(ids(b, dm('ＣＯＤＥ１２３')), 3);
  t.is(ids(b, dm('wifi 密码')), undefined, 'inner blanks still count');
});

test('the highest priority wins and ties go to the lowest id', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 5, pattern: '优惠', priority: 1 });
    r.add({ id: 3, pattern: '优惠', priority: 1 });
    r.add({ id: 1, pattern: '优惠', priority: 0 });
    r.add({ id: 9, pattern: '会员优惠', priority: 7 });
  });
  t.is(ids(b, dm('有什么优惠')), 3);
  t.is(ids(b, dm('会员优惠有哪些')), 9);
});

test('a store sees its own rules and the global ones, not other stores’ rules', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 1, storeId: null, pattern: '地址', reply: '总部' });
    r.add({ id: 2, storeId: 7, pattern: '地址', priority: 5, reply: '7号店' });
    r.add({ id: 3, storeId: 8, pattern: '停车', priority: 9 });
    r.add({ id: 4, storeId: null, pattern: '地址', priority: 6 });
  });
  t.is(ids(b, dm('地址', 7)), 4, 'a global rule of higher priority beats the store’s');
  t.is(ids(b, dm('停车', 7)), undefined);
  t.is(ids(b, dm('停车', 8)), 3);
  t.is(ids(b, dm('停车', null)), undefined);
  t.is(ids(b, dm('地址', null)), 4);
  const { book: b2 } = await book((r) => {
    r.add({ id: 1, storeId: null, pattern: '地址' });
    r.add({ id: 2, storeId: 7, pattern: '地址' });
  });
  t.is(ids(b2, dm('地址', 7)), 1, 'equal priority: lowest id, wherever it comes from');
  t.is(ids(b2, dm('地址', 9)), 1);
});

test('scope: dm rules in 1:1 chats, group|both when mentioned in a group, only group otherwise', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 1, scope: 'dm', pattern: '私聊', priority: 3 });
    r.add({ id: 2, scope: 'group', pattern: '群聊', priority: 3 });
    r.add({ id: 3, scope: 'both', pattern: '都行', priority: 3 });
  });
  const group = (text: string, mentioned: boolean): MatchInput => ({ storeId: 1, where: 'group', text, mentioned });
  t.is(ids(b, dm('私聊')), 1);
  t.is(ids(b, dm('群聊')), undefined);
  t.is(ids(b, dm('都行')), 3);
  t.is(ids(b, group('私聊', true)), undefined);
  t.is(ids(b, group('群聊', true)), 2);
  t.is(ids(b, group('都行', true)), 3);
  t.is(ids(b, group('私聊', false)), undefined);
  t.is(ids(b, group('群聊', false)), 2);
  t.is(ids(b, group('都行', false)), undefined, 'both-scoped rules need an @mention in groups');
});

test('disabled rules and invalid stored rules never match; the reply renders its variables', async (t) => {
  const { book: b } = await book((r) => {
    r.add({ id: 1, pattern: '地址', priority: 9, enabled: false });
    r.add({ id: 2, pattern: '地址', reply: '{name}您好，{store}在人民路 1 号' });
    r.add({ id: 3, matchKind: 'regex', pattern: '(a)\\1', priority: 99 });
  });
  const m = b.match(dm('地址'));
  t.is(m?.id, 2);
  t.is(m?.renderReply({ name: '王女士', store: '南京西路店' }), '王女士您好，南京西路店在人民路 1 号');
  t.is(m?.renderReply({ name: '王女士' }), '王女士您好，在人民路 1 号', 'a missing value renders empty');
  t.is(ids(b, dm('aaaa')), undefined);
});

test('refresh reloads only after the version is bumped, maybeRefresh at most once per checkEveryMs', async (t) => {
  const { book: b, rules, version, clock } = await book((r) => r.add({ id: 1, pattern: '营业时间', reply: '9点' }));
  t.is(rules.reads, 1);
  rules.add({ id: 2, pattern: '营业时间', priority: 5, reply: '10点' });
  t.false(await b.refresh(), 'same version: nothing reloaded');
  t.is(rules.reads, 1);
  t.is(ids(b, dm('营业时间')), 1);

  await version.bump();
  await b.maybeRefresh();
  t.is(ids(b, dm('营业时间')), 2, 'the first maybeRefresh checks');
  const gets = version.gets;

  rules.rows[1]!.enabled = false;
  await version.bump();
  clock.advance(9_999);
  for (let i = 0; i < 100; i++) await b.maybeRefresh();
  t.is(version.gets, gets, 'no version reads within checkEveryMs');
  t.is(ids(b, dm('营业时间')), 2, 'not reloaded yet');
  clock.advance(1);
  await b.maybeRefresh();
  t.is(version.gets, gets + 1);
  t.is(ids(b, dm('营业时间')), 1, 'picked up the disabled rule');
  t.is(rules.reads, 3);
});

test('a failing cache leaves the loaded rules in place and maybeRefresh does not throw', async (t) => {
  const rules = new Rules();
  rules.add({ id: 1, pattern: '地址' });
  const clock = new ManualClock();
  let fail = false;
  const version: RuleVersion = { get: async () => (fail ? Promise.reject(new Error('down')) : 1), bump: async () => {} };
  const b = new RuleBook({ rules, version, clock, log, checkEveryMs: 1 });
  await b.maybeRefresh();
  fail = true;
  clock.advance(5);
  await t.notThrowsAsync(b.maybeRefresh());
  await t.throwsAsync(b.refresh(), { message: 'down' });
  t.is(ids(b, dm('地址')), 1);
});

test('the cache-backed version is shared: a bump by one writer reloads another process’s book', async (t) => {
  const { cache, prefix } = await freshCache(t);
  const key = cacheKeys(prefix).botVersion('rules');
  const rules = new Rules();
  const reader = new RuleBook({ rules, version: new CacheVersion(cache, key), clock: new ManualClock(), log });
  const writer = new CacheVersion(cache, key);
  t.is(await writer.get(), 0);
  t.true(await reader.refresh());
  rules.add({ id: 1, pattern: '地址' });
  t.false(await reader.refresh());
  await writer.bump();
  t.is(await writer.get(), 1);
  t.true(await reader.refresh());
  t.is(ids(reader, dm('地址')), 1);
});

test('rule validation explains in Chinese what is wrong', (t) => {
  const bad: Array<[string, Partial<NewBotRule>]> = [
    ['empty pattern', { pattern: '' }],
    ['long pattern', { pattern: 'x'.repeat(256) }],
    ['blank pattern', { pattern: '　 ' }],
    ['invalid regex', { matchKind: 'regex', pattern: '(营业' }],
    ['backreference', { matchKind: 'regex', pattern: '(a)\\1' }],
    ['lookahead', { matchKind: 'regex', pattern: '(?=a)b' }],
    ['ask without question', { action: 'ask', actionArg: null }],
    ['ask with unknown question', { action: 'ask', actionArg: 'age' }],
    ['reply with actionArg', { action: 'reply', actionArg: 'nps' }],
    ['empty reply', { reply: '  ' }],
    ['long reply', { reply: '字'.repeat(1001) }],
    ['unknown variable', { reply: '您好 {phone}' }],
  ];
  for (const [what, patch] of bad) {
    const p = ruleProblem({ ...base, ...patch });
    t.truthy(p, what);
    t.regex(p ?? '', /[\u4e00-\u9fa5]/, what);
  }
  const good: Array<Partial<NewBotRule>> = [
    { matchKind: 'regex', pattern: '营业(时间|几点)' },
    { matchKind: 'regex', pattern: '^\\d{3,}[a-z]+$' },
    { matchKind: 'regex', pattern: '(?:退|换)货?' },
    { matchKind: 'regex', pattern: '(ab)+c' },
    { action: 'ask', actionArg: 'nps' },
    { action: 'handoff' },
    { reply: '{name}您好，欢迎光临{store}！{不是变量' },
  ];
  for (const g of good) t.is(ruleProblem({ ...base, ...g }), undefined, JSON.stringify(g));
});

test('with 300 rules of every kind, each message finds its rule and unrelated text finds none', async (t) => {
  const { book: b } = await book((r) => {
    for (let i = 1; i <= 300; i++) {
      const kind = (['exact', 'contains', 'regex'] as const)[i % 3]!;
      r.add({ id: i, matchKind: kind, pattern: kind === 'regex' ? `^问题${i}(号|#)` : `关键词${i}`, priority: i % 7 });
    }
  });
  // Matching speed is measured by the bench's bot-inbound scenario (npm run bench), not here.
  t.is(ids(b, dm('请问关键词151是什么')), 151, 'contains (关键词1 also matches, with a lower priority)');
  t.is(ids(b, dm('关键词150')), 150, 'exact');
  t.is(ids(b, dm('问题299号')), 299);
  t.is(b.match(dm('完全不相关的一句话，比较长一些，看看会不会很慢')), undefined);
  t.is(b.match(dm('ＡＢＣ全角')), undefined);
});
