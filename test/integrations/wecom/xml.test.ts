import test from 'ava';
import { buildXml, items, parseXml, str, XmlError } from '../../../src/integrations/wecom/xml.js';

test('parses CDATA, text and list fields of a group-change event', (t) => {
  const doc = parseXml(`<xml><ToUserName><![CDATA[corp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrXXXX]]></ChatId>
<MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmA]]></Item><Item><![CDATA[wmB]]></Item></MemChangeList></xml>`);
  t.is(str(doc, 'ChatId'), 'wrXXXX');
  t.is(str(doc, 'CreateTime'), '1700000000');
  t.deepEqual(items(doc, 'MemChangeList'), ['wmA', 'wmB']);
  t.deepEqual(items(doc, 'Missing'), []);
});

test('decodes entities in text, keeps CDATA verbatim', (t) => {
  const doc = parseXml('<xml><A>a &lt;b&gt; &amp; &#20320;</A><B><![CDATA[<x>&amp;]]></B><C></C></xml>');
  t.is(str(doc, 'A'), 'a <b> & 你');
  t.is(str(doc, 'B'), '<x>&amp;');
  t.is(str(doc, 'C'), '');
});

test('round-trips what buildXml writes, including a CDATA terminator inside a value', (t) => {
  const xml = buildXml({ A: 'x]]>y', N: 5, L: { Item: ['p', 'q'] } });
  const doc = parseXml(xml);
  t.is(str(doc, 'A'), 'x]]>y');
  t.is(str(doc, 'N'), '5');
  t.deepEqual(items(doc, 'L'), ['p', 'q']);
});

for (const bad of [
  '',
  '<xml>',
  '<root></root>',
  '<xml><A>x</B></xml>',
  '<xml><A><![CDATA[x</A></xml>',
  '<xml><A x="1">y</A></xml>',
  '<!DOCTYPE xml [<!ENTITY a "b">]><xml></xml>',
  '<xml><A>x</A></xml>trailing',
  '<xml>' + '<A>'.repeat(20) + 'x' + '</A>'.repeat(20) + '</xml>',
  '<xml><A>&#99999999;</A></xml>',
]) {
  test(`rejects malformed input ${JSON.stringify(bad.slice(0, 30))}`, (t) => {
    t.throws(() => parseXml(bad), { instanceOf: XmlError });
  });
}
