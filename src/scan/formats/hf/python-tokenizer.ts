/**
 * A Python tokenizer for static analysis: names (NFKC-normalised, as the interpreter does), numbers, strings
 * (prefixes, triple quotes, escapes decoded, f-string replacement fields tokenised too), operators and logical
 * line ends. Comments and continuation lines are dropped. Lenient: malformed input never throws; an unterminated
 * string ends at the end of its line (or of the file for triple quotes).
 */

export type TokenType = 'name' | 'number' | 'string' | 'op' | 'newline';

export interface PyToken {
  type: TokenType;
  /** Name (normalised), operator text, number text, or the decoded value of a string. */
  value: string;
  /** 1-based line of the token start. */
  line: number;
  /** Character offset of the token start in the source. */
  pos: number;
  /** String prefix, lower-case ("", "r", "b", "rb", "f", "fr", …). */
  prefix?: string;
  /** A string that is a statement on its own (docstring or bare string expression). */
  docstring?: boolean;
  /** True for tokens that come from inside an f-string replacement field. */
  embedded?: boolean;
}

export interface TokenizeResult {
  tokens: PyToken[];
  /** Stopped at the token limit. */
  truncated: boolean;
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);
const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '->',
  ':=',
  '**',
  '//',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
];
const SINGLE_OPS = '()[]{},:.;@=+-*/%&|^~<>!';
const ID_START = /[\p{L}\p{Nl}_]/u;
const ID_REST = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_\u00b7\u0387\u1369-\u1371\u19da]/u;
const NUMBER_RE =
  /0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?/y;
const MAX_FSTRING_DEPTH = 4;

export function tokenizePython(src: string, opts: { maxTokens?: number } = {}): TokenizeResult {
  const t = new Tokenizer(src, opts.maxTokens ?? 2_000_000, 0, 0);
  t.run();
  markDocstrings(t.tokens);
  return { tokens: t.tokens, truncated: t.truncated };
}

class Tokenizer {
  readonly tokens: PyToken[] = [];
  truncated = false;
  private i = 0;
  private line = 1;
  private depth: number;

  constructor(
    private readonly src: string,
    private readonly maxTokens: number,
    private readonly fdepth: number,
    /** Bracket depth to start at: >0 for f-string expressions (no logical line ends). */
    startDepth: number,
    baseLine = 1,
    private readonly basePos = 0,
  ) {
    this.depth = startDepth;
    this.line = baseLine;
  }

  private push(tok: PyToken): boolean {
    if (this.tokens.length >= this.maxTokens) {
      this.truncated = true;
      return false;
    }
    if (this.fdepth > 0) tok.embedded = true;
    this.tokens.push(tok);
    return true;
  }

  run(): void {
    const s = this.src;
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
    while (this.i < s.length && !this.truncated) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\f') {
        this.i++;
        continue;
      }
      if (c === '\\' && (s[this.i + 1] === '\n' || s[this.i + 1] === '\r')) {
        this.i += s[this.i + 1] === '\r' && s[this.i + 2] === '\n' ? 3 : 2;
        this.line++;
        continue;
      }
      if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n' && s[this.i] !== '\r') this.i++;
        continue;
      }
      if (c === '\n' || c === '\r') {
        this.i += c === '\r' && s[this.i + 1] === '\n' ? 2 : 1;
        this.newline();
        this.line++;
        continue;
      }
      if (c === '"' || c === "'") {
        this.string('', this.i);
        continue;
      }
      const code = s.charCodeAt(this.i);
      if ((code >= 48 && code <= 57) || (c === '.' && /\d/.test(s[this.i + 1] ?? ''))) {
        NUMBER_RE.lastIndex = this.i;
        const m = NUMBER_RE.exec(s);
        const text = m ? m[0] : c;
        this.push({ type: 'number', value: text, line: this.line, pos: this.basePos + this.i });
        this.i += Math.max(1, text.length);
        continue;
      }
      if (isIdStart(s, this.i)) {
        const start = this.i;
        this.i += charLen(s, this.i);
        while (this.i < s.length && isIdRest(s, this.i)) this.i += charLen(s, this.i);
        const raw = s.slice(start, this.i);
        const next = s[this.i];
        if ((next === '"' || next === "'") && STRING_PREFIXES.has(raw.toLowerCase())) {
          this.string(raw.toLowerCase(), start);
          continue;
        }
        const name = /^[\x00-\x7f]*$/.test(raw) ? raw : raw.normalize('NFKC');
        this.push({ type: 'name', value: name, line: this.line, pos: this.basePos + start });
        continue;
      }
      let op = '';
      for (const o of OPERATORS)
        if (s.startsWith(o, this.i)) {
          op = o;
          break;
        }
      if (!op && SINGLE_OPS.includes(c)) op = c;
      if (op) {
        if (op === '(' || op === '[' || op === '{') this.depth++;
        else if ((op === ')' || op === ']' || op === '}') && this.depth > 0) this.depth--;
        this.push({ type: 'op', value: op, line: this.line, pos: this.basePos + this.i });
        this.i += op.length;
        continue;
      }
      // Characters Python rejects outside strings ($, ?, `, control characters): skip.
      this.i += charLen(s, this.i);
    }
    this.newline();
  }

  private newline(): void {
    if (this.depth > 0 || this.fdepth > 0) return;
    const last = this.tokens[this.tokens.length - 1];
    if (last && last.type !== 'newline')
      this.push({ type: 'newline', value: '\n', line: this.line, pos: this.basePos + this.i });
  }

  /** Scans a string literal whose prefix starts at `start` and whose quote is at this.i. */
  private string(prefix: string, start: number): void {
    const s = this.src;
    const q = s[this.i];
    const triple = s[this.i + 1] === q && s[this.i + 2] === q;
    const raw = prefix.includes('r');
    const isF = prefix.includes('f') || prefix.includes('t');
    const line = this.line;
    this.i += triple ? 3 : 1;
    let text = '';
    let segStart = this.i;
    const exprs: Array<{ text: string; line: number; pos: number }> = [];
    let closed = false;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\\') {
        if (s[this.i + 1] === '\n') this.line++;
        this.i += 2;
        continue;
      }
      if (c === '\n' || c === '\r') {
        if (!triple) break;
        if (c === '\r' && s[this.i + 1] === '\n') this.i++;
        this.line++;
        this.i++;
        continue;
      }
      if (c === q && (!triple || (s[this.i + 1] === q && s[this.i + 2] === q))) {
        closed = true;
        break;
      }
      if (isF && c === '{') {
        if (s[this.i + 1] === '{') {
          this.i += 2;
          continue;
        }
        text += s.slice(segStart, this.i);
        const exprStart = this.i + 1;
        const exprLine = this.line;
        this.skipFExpression(q, triple);
        exprs.push({
          text: s.slice(exprStart, Math.max(exprStart, this.i - 1)),
          line: exprLine,
          pos: exprStart,
        });
        segStart = this.i;
        continue;
      }
      this.i++;
    }
    text += s.slice(segStart, this.i);
    if (closed) this.i += triple ? 3 : 1;
    const value = raw ? text : decodeEscapes(text, prefix.includes('b'));
    const cleaned = isF ? value.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : value;
    this.push({ type: 'string', value: cleaned, line, pos: this.basePos + start, prefix });
    if (exprs.length && this.fdepth < MAX_FSTRING_DEPTH) {
      for (const e of exprs) {
        if (!this.push({ type: 'op', value: ',', line: e.line, pos: this.basePos + e.pos })) return;
        const remaining = this.maxTokens - this.tokens.length;
        const sub = new Tokenizer(e.text, remaining, this.fdepth + 1, 1, e.line, this.basePos + e.pos);
        sub.run();
        for (const tok of sub.tokens) this.tokens.push(tok);
        if (sub.truncated) {
          this.truncated = true;
          return;
        }
      }
    }
  }

  /** Skips an f-string replacement field (this.i at '{'); leaves this.i after the matching '}'. */
  private skipFExpression(q: string, triple: boolean): void {
    const s = this.src;
    this.i++;
    let depth = 0;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\n') {
        if (!triple && depth === 0) return;
        this.line++;
      }
      if (c === q && !triple && depth === 0) return; // unterminated field: the string ends here
      if (c === '"' || c === "'") {
        this.skipNestedString();
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']') depth = Math.max(0, depth - 1);
      else if (c === '}') {
        if (depth === 0) {
          this.i++;
          return;
        }
        depth--;
      }
      this.i++;
    }
  }

  private skipNestedString(): void {
    const s = this.src;
    const q = s[this.i];
    const triple = s[this.i + 1] === q && s[this.i + 2] === q;
    this.i += triple ? 3 : 1;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\\') {
        this.i += 2;
        continue;
      }
      if (c === '\n') {
        this.line++;
        if (!triple) return;
      }
      if (c === q && (!triple || (s[this.i + 1] === q && s[this.i + 2] === q))) {
        this.i += triple ? 3 : 1;
        return;
      }
      this.i++;
    }
  }
}

function charLen(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

function isIdStart(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return true;
  if (c < 128) return false;
  return ID_START.test(String.fromCodePoint(s.codePointAt(i) ?? 0));
}

function isIdRest(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 48 && c <= 57)) return true;
  if (c < 128) return false;
  return ID_REST.test(String.fromCodePoint(s.codePointAt(i) ?? 0));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Decodes Python escape sequences of a non-raw literal (str, or bytes as Latin-1 characters). */
export function decodeEscapes(text: string, bytes: boolean): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[i + 1];
    if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      i++;
    } else if (n === '\n') {
      i++;
    } else if (n === '\r') {
      i += text[i + 2] === '\n' ? 2 : 1;
    } else if (n >= '0' && n <= '7') {
      let j = i + 1;
      let v = 0;
      while (j < text.length && j < i + 4 && text[j] >= '0' && text[j] <= '7') v = v * 8 + Number(text[j++]);
      out += String.fromCharCode(bytes ? v & 0xff : v);
      i = j - 1;
    } else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (!bytes && n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 5;
    } else if (!bytes && n === 'U' && /^[0-9a-fA-F]{8}$/.test(text.slice(i + 2, i + 10))) {
      const cp = parseInt(text.slice(i + 2, i + 10), 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      i += 9;
    } else {
      out += c;
    }
  }
  return out;
}

/** Marks strings that form a statement on their own (docstrings, bare string expressions). */
function markDocstrings(tokens: PyToken[]): void {
  let i = 0;
  while (i < tokens.length) {
    const prev = tokens[i - 1];
    const startsStatement = !prev || prev.type === 'newline' || (prev.type === 'op' && prev.value === ';');
    if (startsStatement && tokens[i].type === 'string' && !tokens[i].embedded) {
      let j = i;
      while (j < tokens.length && (tokens[j].type === 'string' || tokens[j].embedded || isFComma(tokens, j)))
        j++;
      const end = tokens[j];
      if (!end || end.type === 'newline' || (end.type === 'op' && end.value === ';')) {
        for (let k = i; k < j; k++)
          if (tokens[k].type === 'string' && !tokens[k].embedded) tokens[k].docstring = true;
      }
      i = j;
      continue;
    }
    i++;
  }
}

function isFComma(tokens: PyToken[], j: number): boolean {
  const t = tokens[j];
  return t.type === 'op' && t.value === ',' && tokens[j + 1]?.embedded === true;
}
