/**
 * A small, bounded XML tokenizer for model files (PMML, OpenVINO IR). It never resolves entities, never fetches
 * anything and never expands anything: it reports what the document declares (DOCTYPE, entities, external
 * identifiers) and yields start/end tags with their attributes, checking well-formedness (balanced tags, one root,
 * quoted attributes, no duplicate attributes) within depth and token bounds.
 */

export class XmlError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at character ${position}`);
    this.name = 'XmlError';
  }
}

export interface EntityDecl {
  name: string;
  /** A parameter entity (`<!ENTITY % name …>`), usable inside the DTD. */
  parameter: boolean;
  /** Replacement text of an internal entity. */
  value?: string;
  system?: string;
  public?: string;
}

export interface Doctype {
  root: string;
  /** External DTD subset (`<!DOCTYPE x SYSTEM "…">`). */
  system?: string;
  public?: string;
  entities: EntityDecl[];
  /** Parameter-entity references (`%name;`) used in the internal subset. */
  parameterRefs: string[];
}

export type XmlEvent =
  | { type: 'doctype'; doctype: Doctype; pos: number }
  | {
      type: 'start';
      name: string;
      attrs: [string, string][];
      selfClosing: boolean;
      depth: number;
      pos: number;
    }
  | { type: 'end'; name: string; pos: number }
  /** A reference to an entity that is not one of the five predefined ones. */
  | { type: 'entity-ref'; name: string; pos: number };

export interface XmlOptions {
  maxDepth?: number;
  maxTokens?: number;
  maxAttributes?: number;
}

const NAME = /[A-Za-z_:\u00c0-\uffff][\w.:\u00b7\u00c0-\uffff-]*/y;
const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

export function* tokenizeXml(text: string, options: XmlOptions = {}): Generator<XmlEvent> {
  const maxDepth = options.maxDepth ?? 256;
  const maxTokens = options.maxTokens ?? 5_000_000;
  const maxAttrs = options.maxAttributes ?? 1024;
  const s = text;
  let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: string[] = [];
  let rootSeen = false;
  let rootClosed = false;
  let tokens = 0;

  const fail = (msg: string, at = i): never => {
    throw new XmlError(msg, at);
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const ws = (): void => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const quoted = (): string => {
    const q = s[i];
    if (q !== '"' && q !== "'") fail('expected a quoted value');
    const end = s.indexOf(q, i + 1);
    if (end < 0) fail('unterminated quoted value');
    const v = s.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const refsIn = function* (chunk: string, base: number): Generator<XmlEvent> {
    let k = chunk.indexOf('&');
    while (k >= 0) {
      const semi = chunk.indexOf(';', k + 1);
      if (semi < 0 || semi - k > 256) throw new XmlError('unterminated entity reference', base + k);
      const ref = chunk.slice(k + 1, semi);
      if (!ref.startsWith('#') && !PREDEFINED.has(ref)) {
        if (!/^[A-Za-z_:][\w.:-]*$/.test(ref)) throw new XmlError('invalid entity reference', base + k);
        yield { type: 'entity-ref', name: ref, pos: base + k };
      }
      k = chunk.indexOf('&', semi + 1);
    }
  };

  while (i < s.length) {
    if (++tokens > maxTokens) fail(`more than ${maxTokens} XML tokens`);
    const lt = s.indexOf('<', i);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > i) {
      const chunk = s.slice(i, textEnd);
      if (stack.length === 0) {
        if (/[^\s]/.test(chunk)) fail('text outside the root element');
      } else yield* refsIn(chunk, i);
      i = textEnd;
      if (lt < 0) break;
    }
    // i is at '<'
    if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
      continue;
    }
    if (s.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root element');
      const end = s.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA section');
      i = end + 3;
      continue;
    }
    if (s.startsWith('<!DOCTYPE', i)) {
      if (rootSeen) fail('DOCTYPE after the root element');
      const pos = i;
      i += 9;
      yield { type: 'doctype', doctype: parseDoctype(), pos };
      continue;
    }
    if (s.startsWith('</', i)) {
      const pos = i;
      i += 2;
      const n = name();
      ws();
      if (s[i] !== '>') fail('expected ">"');
      i++;
      const open = stack.pop();
      if (open !== n) fail(`end tag </${n}> does not match <${open ?? ''}>`, pos);
      if (stack.length === 0) rootClosed = true;
      yield { type: 'end', name: n, pos };
      continue;
    }
    if (s[i + 1] === '!') fail('unexpected markup declaration');
    // start tag
    const pos = i;
    i++;
    const n = name();
    if (stack.length === 0) {
      if (rootClosed) fail('second root element', pos);
      rootSeen = true;
    }
    const attrs: [string, string][] = [];
    const seen = new Set<string>();
    let selfClosing = false;
    while (true) {
      const before = i;
      ws();
      if (s[i] === '>') {
        i++;
        break;
      }
      if (s.startsWith('/>', i)) {
        i += 2;
        selfClosing = true;
        break;
      }
      if (i === before) fail('expected whitespace between attributes');
      const an = name();
      ws();
      if (s[i] !== '=') fail('expected "="');
      i++;
      ws();
      const valuePos = i + 1;
      const v = quoted();
      if (v.includes('<')) fail('"<" in an attribute value', valuePos);
      if (seen.has(an)) fail(`duplicate attribute ${an}`);
      seen.add(an);
      if (attrs.length >= maxAttrs) fail(`more than ${maxAttrs} attributes`);
      yield* refsIn(v, valuePos);
      attrs.push([an, decodeEntities(v)]);
      if (i >= s.length) fail('unterminated start tag');
    }
    yield { type: 'start', name: n, attrs, selfClosing, depth: stack.length, pos };
    if (!selfClosing) {
      if (stack.length >= maxDepth) fail(`elements nested deeper than ${maxDepth}`, pos);
      stack.push(n);
    } else if (stack.length === 0) rootClosed = true;
  }
  if (stack.length) fail(`unclosed element <${stack[stack.length - 1]}>`);
  if (!rootSeen) fail('no root element');

  function parseDoctype(): Doctype {
    ws();
    const dt: Doctype = { root: name(), entities: [], parameterRefs: [] };
    ws();
    if (s.startsWith('SYSTEM', i)) {
      i += 6;
      ws();
      dt.system = quoted();
    } else if (s.startsWith('PUBLIC', i)) {
      i += 6;
      ws();
      dt.public = quoted();
      ws();
      dt.system = quoted();
    }
    ws();
    if (s[i] === '[') {
      i++;
      internalSubset(dt);
    }
    ws();
    if (s[i] !== '>') fail('expected ">" to close the DOCTYPE');
    i++;
    return dt;
  }

  function internalSubset(dt: Doctype): void {
    while (true) {
      if (++tokens > maxTokens) fail(`more than ${maxTokens} XML tokens`);
      ws();
      if (i >= s.length) fail('unterminated DOCTYPE internal subset');
      if (s[i] === ']') {
        i++;
        return;
      }
      if (s[i] === '%') {
        i++;
        const n = name();
        if (s[i] !== ';') fail('expected ";" after a parameter-entity reference');
        i++;
        if (dt.parameterRefs.length < 1000) dt.parameterRefs.push(n);
        continue;
      }
      if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      if (s.startsWith('<?', i)) {
        const end = s.indexOf('?>', i + 2);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
        continue;
      }
      if (s.startsWith('<!ENTITY', i)) {
        i += 8;
        ws();
        let parameter = false;
        if (s[i] === '%') {
          parameter = true;
          i++;
          ws();
        }
        const e: EntityDecl = { name: name(), parameter };
        ws();
        if (s.startsWith('SYSTEM', i)) {
          i += 6;
          ws();
          e.system = quoted();
        } else if (s.startsWith('PUBLIC', i)) {
          i += 6;
          ws();
          e.public = quoted();
          ws();
          e.system = quoted();
        } else e.value = quoted();
        ws();
        if (s.startsWith('NDATA', i)) {
          i += 5;
          ws();
          name();
          ws();
        }
        if (s[i] !== '>') fail('expected ">" to close <!ENTITY');
        i++;
        if (dt.entities.length < 100_000) dt.entities.push(e);
        continue;
      }
      if (s.startsWith('<!', i)) {
        // ELEMENT, ATTLIST, NOTATION: skip to the closing '>' outside quotes.
        i += 2;
        while (i < s.length && s[i] !== '>') {
          if (s[i] === '"' || s[i] === "'") quoted();
          else i++;
        }
        if (i >= s.length) fail('unterminated markup declaration');
        i++;
        continue;
      }
      fail('unexpected content in the DOCTYPE internal subset');
    }
  }
}

function decodeEntities(v: string): string {
  if (!v.includes('&')) return v;
  return v.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (m, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default: {
        const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
      }
    }
  });
}
