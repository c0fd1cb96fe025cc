import test from 'ava';
import { Writable } from 'node:stream';
import { ruleProblem, RuleBook } from '../../src/domain/conversation/rules.js';
import type { BotRule, NewBotRule } from '../../src/domain/conversation/rules.types.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createLogger } from '../../src/shared/logger.js';

const base: NewBotRule = { storeId: null, name: 'r', scope: 'both', matchKind: 'regex', pattern: 'x', priority: 0, action: 'reply', actionArg: null, reply: '好的', cooldownSec: 0, enabled: true };

/** A book over `rules`, with the warnings it logs. */
async function book(rules: Array<Partial<NewBotRule> & { id: number }>) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const log = createLogger({ level: 'warn', destination });
  const rows: BotRule[] = rules.map((r) => ({ ...base, ...r }));
  const version = { get: async () => 0, bump: async () => {} };
  const b = new RuleBook({ rules: { listBotRules: async () => rows.map((r) => ({ ...r })) }, version, clock: new ManualClock(), log, checkEveryMs: 10_000 });
  await b.refresh();
  return { b, warnings: () => lines.filter((l) => l.level === 40) };
}
const dm = (text: string) => ({ storeId: null, where: 'dm' as const, text, mentioned: false });

test('a run of star quantifiers is accepted and answers correctly on a long digit message', async (t) => {
  const pattern = '^\\d*\\d*\\d*\\d*\\d*\\d*\\d*\\d*$';
  t.is(ruleProblem({ ...base, pattern }), undefined);
  const { b } = await book([{ id: 1, pattern }]);
  // A backtracking engine tries every split of these digits among eight \d* before failing on the x.
  t.is(b.match(dm(`${'1'.repeat(2000)}x`)), undefined);
  t.is(b.match(dm('1'.repeat(2000)))?.id, 1);
});

test('nested quantifiers, which the old guard had to refuse, are accepted and safe on adversarial input', async (t) => {
  for (const pattern of ['(a+)+$', '(a|aa)*b', '((ab)*c)+']) t.is(ruleProblem({ ...base, pattern }), undefined, pattern);
  const { b } = await book([{ id: 1, pattern: '(a+)+$' }, { id: 2, pattern: '^(a|aa)*b$' }]);
  t.is(b.match(dm(`${'a'.repeat(5000)}!`)), undefined);
  t.is(b.match(dm(`${'a'.repeat(5000)}c`)), undefined);
  t.is(b.match(dm('aaab'))?.id, 2);
  t.is(b.match(dm('xaaa'))?.id, 1);
});

test('what RE2 cannot run is refused with a Chinese message naming it', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['(a)\\1', /反向引用/],
    ['(?<w>a)\\k<w>', /反向引用/],
    ['(?=.*价格)优惠', /先行断言/],
    ['退货(?!政策)', /先行断言/],
    ['(?<=会员)价', /后行断言/],
    ['(?<!非)会员', /后行断言/],
    ['a{2000}', /重复次数最多 1000/],
    ['(营业', /括号不配对/],
  ];
  for (const [pattern, why] of cases) t.regex(ruleProblem({ ...base, pattern }) ?? '', why, pattern);
});

test('JavaScript spellings operators already use keep working: \\u escapes, named groups, case, anchors', async (t) => {
  const { b } = await book([
    { id: 1, pattern: '^[\\u4e00-\\u9fa5]{2}$', priority: 3 },
    { id: 2, pattern: '(?<code>vip)\\d{3}', priority: 2 },
    { id: 3, pattern: '\\u{1F600}', priority: 1 },
    { id: 4, pattern: '\\\\u0041' },
  ]);
  t.is(b.match(dm('你好'))?.id, 1);
  t.is(b.match(dm('你好吗')), undefined);
  t.is(b.match(dm('我的 VIP123'))?.id, 2);
  t.is(b.match(dm('😀'))?.id, 3);
  t.is(b.match(dm('\\u0041'))?.id, 4, 'an escaped backslash before u is a literal backslash');
});

test('a stored rule RE2 cannot compile is skipped with a logged warning; the other rules still answer', async (t) => {
  const { b, warnings } = await book([
    { id: 1, pattern: '(?=.*价格)优惠', priority: 9 },
    { id: 2, pattern: '(a)\\1', priority: 8 },
    { id: 3, matchKind: 'contains', pattern: '优惠' },
  ]);
  t.is(b.match(dm('价格优惠'))?.id, 3);
  t.is(b.match(dm('aa')), undefined);
  t.deepEqual(warnings().map((w) => [w.ruleId, w.msg]), [[1, 'bot rule skipped: invalid'], [2, 'bot rule skipped: invalid']]);
});
