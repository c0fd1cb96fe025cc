/**
 * A small, strict parser for the XML WeCom and WeChat send: one `<xml>` root, elements whose
 * content is CDATA, text, or further elements (e.g. `<MemChangeList><Item>…</Item></MemChangeList>`).
 * No attributes, no namespaces, no DTDs (so no entity-expansion attacks). It exists because
 * the callback path parses two documents per request and a general-purpose parser costs
 * several times more; anything it does not understand is a `XmlError`, never a partial result.
 */
export type XmlValue = string | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

const MAX_DEPTH = 8;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENTITY_RE = /&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY_RE, (_m, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: {
        const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        if (!Number.isFinite(cp) || cp > 0x10ffff) throw new XmlError('bad character reference');
        return String.fromCodePoint(cp);
      }
    }
  });
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  skipWs(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.i++;
      else break;
    }
  }

  openTag(): string {
    const s = this.s;
    if (s.charCodeAt(this.i) !== 60 /* < */) throw new XmlError(`expected '<' at ${this.i}`);
    const end = s.indexOf('>', this.i);
    if (end === -1) throw new XmlError('unterminated tag');
    const name = s.slice(this.i + 1, end);
    if (!NAME_RE.test(name)) throw new XmlError(`bad element name at ${this.i}`);
    this.i = end + 1;
    return name;
  }

  closeTag(name: string): void {
    const expect = `</${name}>`;
    if (!this.s.startsWith(expect, this.i)) throw new XmlError(`expected ${expect} at ${this.i}`);
    this.i += expect.length;
  }

  /** Parses the content of element `name` (after its open tag) up to and including its close tag. */
  content(name: string, depth: number): XmlValue {
    const s = this.s;
    if (s.startsWith('<![CDATA[', this.i)) {
      // Adjacent sections are how a value containing "]]>" is written.
      let v = '';
      do {
        const end = s.indexOf(']]>', this.i + 9);
        if (end === -1) throw new XmlError('unterminated CDATA');
        v += s.slice(this.i + 9, end);
        this.i = end + 3;
      } while (s.startsWith('<![CDATA[', this.i));
      this.closeTag(name);
      return v;
    }
    const lt = s.indexOf('<', this.i);
    if (lt === -1) throw new XmlError(`unterminated element ${name}`);
    if (s.charCodeAt(lt + 1) === 47 /* / */) {
      const v = decodeEntities(s.slice(this.i, lt));
      this.i = lt;
      this.closeTag(name);
      return v;
    }
    if (s.slice(this.i, lt).trim() !== '') throw new XmlError(`mixed content in ${name}`);
    this.i = lt;
    const node = this.children(name, depth + 1);
    return node;
  }

  children(parent: string, depth: number): XmlNode {
    if (depth > MAX_DEPTH) throw new XmlError('document nested too deeply');
    const node: XmlNode = Object.create(null) as XmlNode;
    const s = this.s;
    for (;;) {
      this.skipWs();
      if (this.i >= s.length) throw new XmlError(`unterminated element ${parent}`);
      if (s.startsWith('</', this.i)) {
        this.closeTag(parent);
        return node;
      }
      const name = this.openTag();
      const v = this.content(name, depth);
      const prev = node[name];
      if (prev === undefined) node[name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else node[name] = [prev, v];
    }
  }
}

/** Parses a `<xml>…</xml>` document into a plain object of strings, nodes and arrays. */
export function parseXml(text: string): XmlNode {
  const p = new Parser(text);
  p.skipWs();
  if (text.startsWith('<?xml', p.i)) {
    const end = text.indexOf('?>', p.i);
    if (end === -1) throw new XmlError('unterminated declaration');
    p.i = end + 2;
    p.skipWs();
  }
  const root = p.openTag();
  if (root !== 'xml') throw new XmlError('root element must be <xml>');
  const node = p.children('xml', 1);
  p.skipWs();
  if (p.i !== text.length) throw new XmlError('trailing content after </xml>');
  return node;
}

/** A string field or undefined; throws if the field holds elements instead of text. */
export function str(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new XmlError(`${name} is not a text field`);
  return v;
}

/** Items of a list field such as `<MemChangeList><Item>a</Item><Item>b</Item></MemChangeList>`. */
export function items(node: XmlNode, name: string, item = 'Item'): string[] {
  const v = node[name];
  if (v === undefined || v === '') return [];
  if (typeof v === 'string' || Array.isArray(v)) throw new XmlError(`${name} is not a list`);
  const inner = v[item];
  if (inner === undefined) return [];
  const arr = Array.isArray(inner) ? inner : [inner];
  return arr.map((x) => {
    if (typeof x !== 'string') throw new XmlError(`${name}.${item} is not text`);
    return x;
  });
}

const CDATA_SAFE = (s: string) => s.split(']]>').join(']]]]><![CDATA[>');

/** Serialises a flat-or-nested object as WeCom XML: strings in CDATA, numbers as text. */
export function buildXml(obj: Record<string, unknown>): string {
  return `<xml>${body(obj)}</xml>`;
}

function body(obj: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) out += element(k, x);
    } else out += element(k, v);
  }
  return out;
}

function element(k: string, v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return `<${k}>${v}</${k}>`;
  if (typeof v === 'string') return `<${k}><![CDATA[${CDATA_SAFE(v)}]]></${k}>`;
  if (typeof v === 'object' && v !== null) return `<${k}>${body(v as Record<string, unknown>)}</${k}>`;
  return `<${k}><![CDATA[${String(v)}]]></${k}>`;
}
