import test from 'ava';
import { factsPatch, newCustomerFrom, type CustomerFacts } from '../../src/domain/customer/facts.js';

const blank: CustomerFacts = { name: '', nameSource: null, avatar: null, gender: 0, storeId: null, ownerUserId: null, firstChannelId: null };
const named = (name: string, nameSource: CustomerFacts['nameSource']): CustomerFacts => ({ ...blank, name, nameSource });

test('a name typed on the landing page replaces a WeChat nickname or an order name, never another typed name', (t) => {
  const typed = { name: { value: '王芳', source: 'typed' as const } };
  t.deepEqual(factsPatch(named('小芳🌸', 'wechat'), typed), { name: '王芳', nameSource: 'typed' });
  t.deepEqual(factsPatch(named('王先生', 'order'), typed), { name: '王芳', nameSource: 'typed' });
  t.deepEqual(factsPatch(named('王芳芳', 'typed'), typed), {});
  t.deepEqual(factsPatch(blank, typed), { name: '王芳', nameSource: 'typed' });
});

test('a WeChat nickname fills an empty name and refreshes a nickname, but never replaces a typed or order name', (t) => {
  const nick = { name: { value: '小芳🌸', source: 'wechat' as const } };
  t.deepEqual(factsPatch(blank, nick), { name: '小芳🌸', nameSource: 'wechat' });
  t.deepEqual(factsPatch(named('芳芳', 'wechat'), nick), { name: '小芳🌸', nameSource: 'wechat' });
  t.deepEqual(factsPatch(named('王芳', 'typed'), nick), {});
  t.deepEqual(factsPatch(named('王芳', 'order'), nick), {});
});

test('an order name only fills an empty name; names of unknown origin and empty new names change nothing', (t) => {
  const order = { name: { value: '王先生', source: 'order' as const } };
  t.deepEqual(factsPatch(blank, order), { name: '王先生', nameSource: 'order' });
  t.deepEqual(factsPatch(named('芳芳', 'wechat'), order), {});
  t.deepEqual(factsPatch(named('老客户', null), { name: { value: '王芳', source: 'typed' } }), {}, 'names from before their source was kept stay');
  t.deepEqual(factsPatch(named('王芳', 'wechat'), { name: { value: '  ', source: 'wechat' } }), {}, 'an empty name says nothing');
});

test('store, owner rep and first channel are set only when empty; the avatar follows WeChat; gender fills an unknown one', (t) => {
  const facts = { storeId: 2, ownerUserId: 'rep2', firstChannelId: 20, avatar: 'https://a/new.png', gender: 2 };
  t.deepEqual(factsPatch(blank, facts), facts);
  const known: CustomerFacts = { ...blank, storeId: 1, ownerUserId: 'rep1', firstChannelId: 10, avatar: 'https://a/old.png', gender: 1 };
  t.deepEqual(factsPatch(known, facts), { avatar: 'https://a/new.png' });
  t.deepEqual(factsPatch({ ...known, avatar: 'https://a/new.png' }, facts), {});
});

test('a new customer is the rule applied to nobody: a lead, opted in, with what the first entry point knew', (t) => {
  const c = newCustomerFrom({ name: { value: '王芳', source: 'typed' }, storeId: 3, firstChannelId: 7 }, 1000);
  t.deepEqual(c, { name: '王芳', nameSource: 'typed', avatar: null, gender: 0, storeId: 3, ownerUserId: null, firstChannelId: 7, stage: 'lead', optedOut: false, createdAt: 1000, updatedAt: 1000 });
});
