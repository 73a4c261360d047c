/**
 * A strict, bounded JSON parser for safetensors headers. Unlike JSON.parse it keeps every member of an object in
 * order (so duplicate keys are visible instead of silently merged), keeps the literal text of numbers (so "2.0" or
 * "1e3" can be told apart from an integer, and integers above 2^53 are not rounded), rejects what serde_json
 * rejects (lone surrogates, control characters in strings, trailing garbage), and bounds the nesting depth.
 */

export class JsonNumber {
  constructor(
    /** The literal as written. */
    readonly raw: string,
  ) {}
  /** True when the literal is a non-negative integer (no sign, fraction or exponent). */
  get isUnsignedInt(): boolean {
    return /^(0|[1-9]\d*)$/.test(this.raw);
  }
  get value(): number {
    return Number(this.raw);
  }
  /** Exact value of an unsigned integer literal. */
  big(): bigint {
    return BigInt(this.raw);
  }
}

export class JsonObject {
  /** Members in document order, duplicates included. */
  readonly members: [string, JsonValue][] = [];
  private index: Map<string, JsonValue> | undefined;
  /** Keys that occur more than once. */
  readonly duplicates: string[] = [];

  /** The first value of `key`. */
  get(key: string): JsonValue | undefined {
    if (!this.index) {
      this.index = new Map();
      for (const [k, v] of this.members) if (!this.index.has(k)) this.index.set(k, v);
    }
    return this.index.get(key);
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at character ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface StrictJsonOptions {
  /** Deepest nesting of arrays and objects (default 64). */
  maxDepth?: number;
}

/** Parses `text` strictly; throws JsonSyntaxError. Trailing whitespace (and NUL padding) is allowed. */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonValue {
  const p = new Parser(text, options.maxDepth ?? 64);
  p.ws();
  const v = p.value(0);
  p.ws();
  while (p.pos < text.length && text.charCodeAt(p.pos) === 0) p.pos++;
  if (p.pos !== text.length) throw new JsonSyntaxError('unexpected content after the JSON value', p.pos);
  return v;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  pos = 0;
  constructor(
    readonly s: string,
    readonly maxDepth: number,
  ) {}

  ws(): void {
    const s = this.s;
    let i = this.pos;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.pos);
  }

  value(depth: number): JsonValue {
    const c = this.s.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return this.string();
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      case 0x6e:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        if (Number.isNaN(c)) this.fail('unexpected end of input');
        this.fail(`unexpected character ${JSON.stringify(this.s[this.pos])}`);
    }
  }

  literal<T>(word: string, v: T): T {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return v;
    }
    this.fail('invalid literal');
  }

  number(): JsonNumber {
    const re = NUMBER_RE;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m || m[0] === '-' || m[0].length === 0) this.fail('invalid number');
    this.pos += m[0].length;
    return new JsonNumber(m[0]);
  }

  string(): string {
    const s = this.s;
    let i = this.pos + 1;
    let out = '';
    let start = i;
    while (true) {
      if (i >= s.length) {
        this.pos = i;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(start, i);
        this.pos = i + 1;
        return out;
      }
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
      if (c === 0x5c) {
        out += s.slice(start, i);
        const e = s[i + 1];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            i += 2;
            break;
          case 'b':
            out += '\b';
            i += 2;
            break;
          case 'f':
            out += '\f';
            i += 2;
            break;
          case 'n':
            out += '\n';
            i += 2;
            break;
          case 'r':
            out += '\r';
            i += 2;
            break;
          case 't':
            out += '\t';
            i += 2;
            break;
          case 'u': {
            const cu = this.hex4(i + 2);
            i += 6;
            if (cu >= 0xd800 && cu <= 0xdbff) {
              if (s[i] !== '\\' || s[i + 1] !== 'u') {
                this.pos = i;
                this.fail('lone leading surrogate in \\u escape');
              }
              const lo = this.hex4(i + 2);
              if (lo < 0xdc00 || lo > 0xdfff) {
                this.pos = i;
                this.fail('invalid surrogate pair in \\u escape');
              }
              out += String.fromCharCode(cu, lo);
              i += 6;
            } else if (cu >= 0xdc00 && cu <= 0xdfff) {
              this.pos = i;
              this.fail('lone trailing surrogate in \\u escape');
            } else {
              out += String.fromCharCode(cu);
            }
            break;
          }
          default:
            this.pos = i;
            this.fail('invalid escape');
        }
        start = i;
        continue;
      }
      i++;
    }
  }

  hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) {
      this.pos = at;
      this.fail('invalid \\u escape');
    }
    return parseInt(h, 16);
  }

  array(depth: number): JsonValue[] {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    while (true) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "]"');
    }
  }

  object(depth: number): JsonObject {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++;
    const out = new JsonObject();
    const seen = new Set<string>();
    this.ws();
    if (this.s.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    while (true) {
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 0x3a) this.fail('expected ":"');
      this.pos++;
      this.ws();
      const v = this.value(depth);
      if (seen.has(key)) {
        if (!out.duplicates.includes(key) && out.duplicates.length < 1000) out.duplicates.push(key);
      } else seen.add(key);
      out.members.push([key, v]);
      this.ws();
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x2c) {
        this.pos++;
        continue;
      }
      if (c === 0x7d) {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "}"');
    }
  }
}
