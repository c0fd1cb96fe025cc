import test from 'ava';
import { isAppError } from '../../src/shared/errors.js';
import {
  checkTemplate,
  compileTemplate,
  renderTemplate,
  renderText,
  templateProblem,
  TEMPLATE_VARIABLES,
  TEXT_CONTEXTS,
  usesVariable,
} from '../../src/domain/template/template-engine.js';
import { DEFAULT_REPLY_TEXTS } from '../../src/domain/conversation/default-reply-texts.js';
import { DEFAULT_JOURNEYS } from '../../src/domain/journey/defaults.js';

test('variables are {name} in single braces; everything else is literal text', (t) => {
  t.is(renderText('{name}您好，欢迎光临{store}！', { name: '王女士', store: '南京西路店' }), '王女士您好，欢迎光临南京西路店！');
  t.is(renderText('{name}{name}', { name: '甲' }), '甲甲', 'every occurrence');
  t.is(renderText('{不是变量} {楼栋} { name } {1x} {} { 尾', { name: '甲' }), '{不是变量} {楼栋} { name } {1x} {} { 尾');
  t.is(renderText('券码 {coupon}，数量 {count}', { coupon: 'AB12', count: 3 }), '券码 AB12，数量 3');
  t.is(renderText('没有变量', { name: '甲' }), '没有变量');
});

test('a variable without a value renders as empty, and rendering never throws', (t) => {
  t.is(renderText('{name}您好{store}', {}), '您好');
  t.is(renderText('{name}您好', { name: null }), '您好');
  t.is(renderText('{name}', { name: undefined }), '');
});

test('a compiled text renders the same as a one-off render and knows which variables it uses', (t) => {
  const c = compileTemplate('您好{name}，{store}欢迎您');
  t.is(renderTemplate(c, { name: '李', store: '一号店' }), '您好李，一号店欢迎您');
  t.is(renderTemplate(c, { name: '赵', store: '二号店' }), '您好赵，二号店欢迎您');
  t.true(usesVariable(c, 'name'));
  t.true(usesVariable(c, 'store'));
  t.false(usesVariable(c, 'coupon'));
  t.false(usesVariable(compileTemplate('您好name'), 'name'), 'a literal that looks like a name is not the variable');
});

test('an unknown variable is refused with a Chinese message naming it and what may be used', (t) => {
  t.deepEqual(templateProblem('{name}，您的手机号是 {phone}', 'botReply'), {
    code: 'TEMPLATE.UNKNOWN_VARIABLE',
    message: '未知变量 {phone}，可用：{name}、{store}',
  });
  t.is(templateProblem('{foo}{bar}{foo}', 'welcome')?.message, '未知变量 {foo}、{bar}，可用：{name}');
  t.is(templateProblem('{name}', [])?.message, '未知变量 {name}，此文案不支持变量');
  t.is(templateProblem('{store}', 'journeyMessage')?.code, 'TEMPLATE.UNKNOWN_VARIABLE', '{store} is not filled in journeys, so it is not offered there');
  for (const [context, vars] of Object.entries(TEXT_CONTEXTS)) {
    t.is(templateProblem(vars.map((v) => `{${v}}`).join(' '), context as keyof typeof TEXT_CONTEXTS), undefined, context);
  }
});

test('the old {{name}} spelling is refused with the spelling to use instead', (t) => {
  t.deepEqual(templateProblem('您好{{name}}，欢迎', 'welcome'), { code: 'TEMPLATE.DOUBLE_BRACES', message: '变量请用单层花括号：把 {{name}} 改为 {name}' });
  t.is(templateProblem('您好{{ name }}', 'welcome')?.message, '变量请用单层花括号：把 {{ name }} 改为 {name}');
});

test('checkTemplate throws a 400 with the code and the message, prefixed with where the text is', (t) => {
  t.notThrows(() => checkTemplate('{name}您好', 'welcome', '欢迎语'));
  const e = t.throws(() => checkTemplate('{name}您好 {vip}', 'welcome', '欢迎语'));
  t.true(isAppError(e));
  t.like(e, { code: 'TEMPLATE.UNKNOWN_VARIABLE', status: 400, message: '欢迎语：未知变量 {vip}，可用：{name}' });
});

test('every variable offered anywhere has a meaning in the catalogue, and every shipped text passes its own check', (t) => {
  const offered = new Set([...Object.values(TEXT_CONTEXTS).flat()]);
  for (const v of offered) t.true(Object.hasOwn(TEMPLATE_VARIABLES, v), v);
  for (const [key, def] of Object.entries(DEFAULT_REPLY_TEXTS)) t.is(templateProblem(def.text, def.vars), undefined, key);
  for (const j of DEFAULT_JOURNEYS) {
    for (const s of j.steps) {
      if (s.type === 'send') t.is(templateProblem(s.text, 'journeyMessage'), undefined, `${j.key}: ${s.text}`);
      if (s.type === 'task') t.is(templateProblem(s.title, 'journeyTask'), undefined, `${j.key}: ${s.title}`);
    }
  }
});
