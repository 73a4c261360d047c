import { ParseError } from '../../core/errors.js';

/** A value of Python's literal syntax, as ast.literal_eval reads it (the subset .npy headers use). */
export type PyLiteral =
  string | number | boolean | null | PyLiteral[] | { tuple: PyLiteral[] } | Map<string, PyLiteral>;

const MAX_DEPTH = 64;

/**
 * Parses a Python literal (dict, list, tuple, str with prefixes/escapes/implicit concatenation, int, float, bool,
 * None) the way numpy's header reader (ast.literal_eval) does. Throws ParseError on anything else. `\\N{…}` escapes
 * are refused (Bulwark has no Unicode name table): callers fail closed.
 */
export function parsePyLiteral(text: string): PyLiteral {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /[\s\\]/.test(text[i])) {
      if (text[i] === '\\' && text[i + 1] !== '\n') break;
      i += text[i] === '\\' ? 2 : 1;
    }
  };
  const fail = (msg: string): never => {
    throw new ParseError(`header literal: ${msg} at ${i}`, i);
  };
  const str = (): string => {
    let out = '';
    let any = false;
    // Implicit concatenation: 'a' 'b' == 'ab'.
    while (true) {
      ws();
      const m = /^([rRuUbB]{0,2})('''|"""|'|")/.exec(text.slice(i, i + 5));
      if (!m) break;
      any = true;
      const raw = /r/i.test(m[1]);
      const q = m[2];
      i += m[0].length;
      while (true) {
        if (i >= text.length) fail('unterminated string');
        if (text.startsWith(q, i)) {
          i += q.length;
          break;
        }
        const c = text[i];
        if (c === '\n' && q.length === 1) fail('newline in string');
        if (c === '\\' && !raw) {
          const e = text[i + 1];
          i += 2;
          const simple: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '0': '\0',
            a: '\x07',
            b: '\b',
            f: '\f',
            v: '\v',
            '\\': '\\',
            "'": "'",
            '"': '"',
            '\n': '',
          };
          if (e === 'x') {
            out += String.fromCharCode(parseInt(text.slice(i, i + 2), 16));
            i += 2;
          } else if (e === 'u' || e === 'U') {
            const n = e === 'u' ? 4 : 8;
            out += String.fromCodePoint(parseInt(text.slice(i, i + n), 16));
            i += n;
          } else if (/[0-7]/.test(e)) {
            let oct = e;
            while (oct.length < 3 && /[0-7]/.test(text[i])) oct += text[i++];
            out += String.fromCharCode(parseInt(oct, 8));
          } else if (e === 'N') fail('\\N{} escapes are not supported');
          else if (e in simple) out += simple[e];
          else out += `\\${e}`;
          continue;
        }
        out += c;
        i++;
      }
    }
    if (!any) fail('string expected');
    return out;
  };
  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<string, PyLiteral>();
      while (true) {
        ws();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') fail('dict keys must be strings');
        ws();
        if (text[i] !== ':') fail("':' expected");
        i++;
        map.set(k as string, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail("',' or '}' expected");
      }
    }
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const items: PyLiteral[] = [];
      let comma = false;
      while (true) {
        ws();
        if (text[i] === close) {
          i++;
          // (x) is x; (x,) and () are tuples.
          if (c === '(') return items.length === 1 && !comma ? items[0] : { tuple: items };
          return items;
        }
        items.push(value(depth + 1));
        ws();
        comma = false;
        if (text[i] === ',') {
          i++;
          comma = true;
        } else if (text[i] !== close) fail(`',' or '${close}' expected`);
      }
    }
    if (/['"]/.test(c) || /^[rRuUbB]{1,2}['"]/.test(text.slice(i, i + 3))) return str();
    const m = /^(True|False|None|[-+]?\d[\d_]*L?|[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?)/.exec(
      text.slice(i, i + 64),
    );
    if (!m) fail('unexpected token');
    i += m![0].length;
    if (m![0] === 'True') return true;
    if (m![0] === 'False') return false;
    if (m![0] === 'None') return null;
    return Number(m![0].replace(/[_L]/g, ''));
  };
  const v = value(0);
  ws();
  if (i < text.length) fail('trailing characters');
  return v;
}

/** True when a NumPy dtype descriptor (as numpy.dtype() takes it from a .npy header) holds Python objects. */
export function descrHasObject(descr: PyLiteral, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (typeof descr === 'string') {
    const d = descr.trim().replace(/^[<>|=!]/, '');
    return /^O\d*$/.test(d) || d === 'object' || d === 'object_';
  }
  const fields = Array.isArray(descr)
    ? descr
    : descr !== null && typeof descr === 'object' && 'tuple' in descr
      ? descr.tuple
      : undefined;
  if (!fields) return false;
  // Structured: [(name, dtype[, shape]), ...]; a (base, shape) tuple also nests a dtype.
  for (const f of fields) {
    const parts = Array.isArray(f) ? f : f !== null && typeof f === 'object' && 'tuple' in f ? f.tuple : [f];
    for (const p of parts.slice(parts.length > 1 ? 1 : 0)) if (descrHasObject(p, depth + 1)) return true;
  }
  return false;
}
