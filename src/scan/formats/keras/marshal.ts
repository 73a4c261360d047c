import { LimitError, ParseError } from '../../../core/errors.js';

/**
 * A bounded reader for CPython `marshal` data holding a code object (what Keras stores for Lambda layers).
 * It only decodes values: nothing is ever executed. Code-object layouts differ between Python versions and the
 * data carries no version, so every layout is tried and the first one whose fields have the right types wins.
 */

/** Code-object field layouts, by the Python versions that write them. */
export type CodeLayout = '3.11+' | '3.8-3.10' | '3.0-3.7' | '2.7';
const LAYOUTS: readonly CodeLayout[] = ['3.11+', '3.8-3.10', '3.0-3.7', '2.7'];

export interface CodeInfo {
  /** co_name (e.g. "<lambda>"). */
  name: string;
  qualname?: string;
  filename: string;
  argcount: number;
  flags: number;
  firstlineno: number;
  /** co_names: globals, attributes and imported modules the code uses. */
  names: string[];
  /** Argument and local variable names (co_varnames / co_localsplusnames). */
  varnames: string[];
  /** String and bytes constants (bytes decoded as Latin-1). */
  strings: string[];
  /** Code objects among the constants (nested lambdas, comprehensions, functions). */
  children: CodeInfo[];
  /** Length of the bytecode in bytes. */
  codeBytes: number;
}

export interface MarshalCode {
  layout: CodeLayout;
  code: CodeInfo;
  /** Every code object, the outermost first. */
  all: CodeInfo[];
  /** Bytes after the code object (ignored by marshal.loads). */
  trailing: number;
}

export interface MarshalLimits {
  /** Objects decoded (all containers and scalars together). */
  maxObjects: number;
  /** Nesting depth of containers and code objects. */
  maxDepth: number;
  /** Strings kept per code object for reporting (longer ones are truncated). */
  maxStringChars: number;
}

export const DEFAULT_MARSHAL_LIMITS: Readonly<MarshalLimits> = Object.freeze({
  maxObjects: 1_000_000,
  maxDepth: 200,
  maxStringChars: 4096,
});

const FLAG_REF = 0x80;
const NULL = Symbol('NULL');
const ELLIPSIS = Symbol('Ellipsis');
const STOPITER = Symbol('StopIteration');
const RESERVED = Symbol('reserved');

class CodeValue {
  constructor(readonly info: CodeInfo) {}
}
class DictValue {
  constructor(readonly entries: [MValue, MValue][]) {}
}

type MValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | MValue[]
  | CodeValue
  | DictValue
  | typeof NULL
  | typeof ELLIPSIS
  | typeof STOPITER;

/** True when the bytes start like a marshalled code object (TYPE_CODE, with or without FLAG_REF). */
export function looksLikeMarshalCode(bytes: Uint8Array): boolean {
  return bytes.length >= 16 && (bytes[0] & 0x7f) === 0x63;
}

/** Decodes a marshalled code object; throws ParseError (not a code object in any layout) or LimitError. */
export function decodeMarshalCode(
  bytes: Uint8Array,
  limits: MarshalLimits = DEFAULT_MARSHAL_LIMITS,
): MarshalCode {
  if (!looksLikeMarshalCode(bytes)) throw new ParseError('not a marshalled code object (wrong type byte)', 0);
  let firstError: unknown;
  for (const layout of LAYOUTS) {
    const r = new Reader(bytes, layout, limits);
    try {
      const v = r.readObject(0);
      if (!(v instanceof CodeValue)) throw new ParseError('top-level object is not a code object', 0);
      return { layout, code: v.info, all: r.codes, trailing: bytes.length - r.pos };
    } catch (err) {
      if (err instanceof LimitError) throw err;
      firstError ??= err;
    }
  }
  const msg = firstError instanceof Error ? firstError.message : String(firstError);
  throw new ParseError(`not a code object in any known CPython layout (${msg})`);
}

class Reader {
  pos = 0;
  private objects = 0;
  private readonly refs: (MValue | typeof RESERVED)[] = [];
  /** Python 2 interned strings (TYPE_STRINGREF). */
  private readonly interned: Uint8Array[] = [];
  readonly codes: CodeInfo[] = [];
  private readonly py2: boolean;
  private readonly dv: DataView;

  constructor(
    private readonly b: Uint8Array,
    private readonly layout: CodeLayout,
    private readonly limits: MarshalLimits,
  ) {
    this.py2 = layout === '2.7';
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.b.length)
      throw new ParseError(`marshal data truncated (need ${n} bytes at ${this.pos})`, this.pos);
  }
  private u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }
  private i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private bytes(n: number): Uint8Array {
    if (n < 0) throw new ParseError(`negative length ${n}`, this.pos);
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  private count(n: number, what: string): number {
    if (n < 0 || n > this.b.length - this.pos)
      throw new ParseError(`bad ${what} size ${n} at ${this.pos}`, this.pos);
    return n;
  }

  readObject(depth: number): MValue {
    if (depth > this.limits.maxDepth)
      throw new LimitError('marshalDepth', `marshal data nested deeper than ${this.limits.maxDepth} levels`);
    if (++this.objects > this.limits.maxObjects)
      throw new LimitError(
        'marshalObjects',
        `marshal data holds more than ${this.limits.maxObjects} objects`,
      );
    const at = this.pos;
    const code = this.u8();
    const flag = !this.py2 && (code & FLAG_REF) !== 0;
    const type = this.py2 ? code : code & 0x7f;
    let idx = -1;
    if (flag) {
      idx = this.refs.length;
      this.refs.push(RESERVED);
    }
    const done = (v: MValue): MValue => {
      if (idx >= 0) this.refs[idx] = v;
      return v;
    };
    switch (String.fromCharCode(type)) {
      case '0':
        return NULL;
      case 'N':
        return done(null);
      case 'F':
        return done(false);
      case 'T':
        return done(true);
      case 'S':
        return done(STOPITER);
      case '.':
        return done(ELLIPSIS);
      case 'i':
        return done(this.i32());
      case 'I': {
        this.need(8);
        const v = Number(this.dv.getBigInt64(this.pos, true));
        this.pos += 8;
        return done(v);
      }
      case 'f': {
        const n = this.u8();
        return done(Number(latin1(this.bytes(n))));
      }
      case 'g': {
        this.need(8);
        const v = this.dv.getFloat64(this.pos, true);
        this.pos += 8;
        return done(v);
      }
      case 'x': {
        const re = Number(latin1(this.bytes(this.u8())));
        const im = Number(latin1(this.bytes(this.u8())));
        return done([re, im]);
      }
      case 'y': {
        this.need(16);
        const re = this.dv.getFloat64(this.pos, true);
        const im = this.dv.getFloat64(this.pos + 8, true);
        this.pos += 16;
        return done([re, im]);
      }
      case 'l': {
        const n = this.i32();
        const digits = Math.abs(n);
        if (digits > 0x7fffffff / 2) throw new ParseError('bad long size', at);
        const raw = this.bytes(this.count(digits * 2, 'long'));
        let v = 0;
        for (let i = digits - 1; i >= 0; i--) v = v * 32768 + (raw[i * 2] | (raw[i * 2 + 1] << 8));
        return done(n < 0 ? -v : v);
      }
      case 's': {
        const n = this.count(this.i32(), 'bytes');
        return done(this.bytes(n));
      }
      case 't': {
        // Python 3: interned str (UTF-8); Python 2: interned byte string, remembered for TYPE_STRINGREF.
        const n = this.count(this.i32(), 'string');
        const raw = this.bytes(n);
        if (this.py2) {
          this.interned.push(raw);
          return raw;
        }
        return done(utf8(raw));
      }
      case 'R': {
        if (!this.py2) throw new ParseError('TYPE_STRINGREF outside Python 2 data', at);
        const i = this.i32();
        const s = this.interned[i];
        if (s === undefined) throw new ParseError(`bad string reference ${i}`, at);
        return s;
      }
      case 'u':
      case 'A':
      case 'a': {
        if (this.py2 && type !== 0x75) throw new ParseError('Python 3 string type in Python 2 data', at);
        const n = this.count(this.i32(), 'string');
        const raw = this.bytes(n);
        return done(type === 0x75 ? utf8(raw) : latin1(raw));
      }
      case 'z':
      case 'Z': {
        if (this.py2) throw new ParseError('Python 3 string type in Python 2 data', at);
        const n = this.u8();
        return done(latin1(this.bytes(n)));
      }
      case ')':
      case '(':
      case '[':
      case '<':
      case '>': {
        if (type === 0x29 && this.py2) throw new ParseError('small tuple in Python 2 data', at);
        const n = type === 0x29 ? this.u8() : this.count(this.i32(), 'container');
        this.count(n, 'container');
        const items: MValue[] = [];
        done(items);
        for (let i = 0; i < n; i++) {
          const v = this.readObject(depth + 1);
          if (v === NULL) throw new ParseError('NULL inside a container', this.pos);
          items.push(v);
        }
        return items;
      }
      case ':': {
        // Python 3.14 slice object: start, stop, step.
        const items: MValue[] = [];
        done(items);
        for (let i = 0; i < 3; i++) items.push(this.readObject(depth + 1));
        return items;
      }
      case '{': {
        const d = new DictValue([]);
        done(d);
        for (;;) {
          const k = this.readObject(depth + 1);
          if (k === NULL) break;
          const v = this.readObject(depth + 1);
          if (v === NULL) throw new ParseError('NULL dict value', this.pos);
          d.entries.push([k, v]);
        }
        return d;
      }
      case 'r': {
        if (this.py2) throw new ParseError('TYPE_REF in Python 2 data', at);
        const i = this.i32();
        const v = this.refs[i];
        if (v === undefined || v === RESERVED) throw new ParseError(`invalid marshal reference ${i}`, at);
        return v;
      }
      case 'c':
        return done(this.readCode(depth));
      default:
        throw new ParseError(`unknown marshal type 0x${code.toString(16)}`, at);
    }
  }

  private obj(depth: number): MValue {
    return this.readObject(depth + 1);
  }

  private str(v: MValue, field: string): string {
    if (typeof v === 'string') return v;
    if (this.py2 && v instanceof Uint8Array) return latin1(v);
    throw new ParseError(`code object field ${field} is not a string`, this.pos);
  }
  private strTuple(v: MValue, field: string): string[] {
    if (!Array.isArray(v)) throw new ParseError(`code object field ${field} is not a tuple`, this.pos);
    return v.map((x) => this.str(x, field));
  }
  private bytesField(v: MValue, field: string): Uint8Array {
    if (v instanceof Uint8Array) return v;
    throw new ParseError(`code object field ${field} is not bytes`, this.pos);
  }

  private readCode(depth: number): CodeValue {
    const argcount = this.i32();
    let flags: number;
    let code: MValue, consts: MValue, names: MValue, varnames: MValue;
    let filename: MValue, name: MValue;
    let qualname: MValue | undefined;
    let firstlineno: number;
    const extraNames: MValue[] = [];
    switch (this.layout) {
      case '3.11+': {
        this.i32(); // posonlyargcount
        this.i32(); // kwonlyargcount
        this.i32(); // stacksize
        flags = this.i32();
        code = this.obj(depth);
        consts = this.obj(depth);
        names = this.obj(depth);
        varnames = this.obj(depth); // localsplusnames
        this.bytesField(this.obj(depth), 'localspluskinds');
        filename = this.obj(depth);
        name = this.obj(depth);
        qualname = this.obj(depth);
        firstlineno = this.i32();
        this.bytesField(this.obj(depth), 'linetable');
        this.bytesField(this.obj(depth), 'exceptiontable');
        break;
      }
      case '3.8-3.10':
      case '3.0-3.7':
      case '2.7': {
        if (this.layout === '3.8-3.10') this.i32(); // posonlyargcount
        if (this.layout !== '2.7') this.i32(); // kwonlyargcount
        this.i32(); // nlocals
        this.i32(); // stacksize
        flags = this.i32();
        code = this.obj(depth);
        consts = this.obj(depth);
        names = this.obj(depth);
        varnames = this.obj(depth);
        extraNames.push(this.obj(depth)); // freevars
        extraNames.push(this.obj(depth)); // cellvars
        filename = this.obj(depth);
        name = this.obj(depth);
        firstlineno = this.i32();
        this.bytesField(this.obj(depth), 'lnotab');
        break;
      }
    }
    const codeBytes = this.bytesField(code, 'code');
    if (!Array.isArray(consts)) throw new ParseError('code object consts is not a tuple', this.pos);
    const info: CodeInfo = {
      name: this.str(name, 'name'),
      filename: this.str(filename, 'filename'),
      argcount,
      flags,
      firstlineno,
      names: this.strTuple(names, 'names'),
      varnames: this.strTuple(varnames, 'varnames'),
      strings: [],
      children: [],
      codeBytes: codeBytes.length,
    };
    if (qualname !== undefined) info.qualname = this.str(qualname, 'qualname');
    for (const x of extraNames) info.varnames.push(...this.strTuple(x, 'freevars/cellvars'));
    collectConsts(consts, info, this.limits.maxStringChars);
    this.codes.push(info);
    return new CodeValue(info);
  }
}

/** Strings and nested code objects among the constants (tuples and frozensets of constants included). */
function collectConsts(consts: MValue[], info: CodeInfo, maxChars: number): void {
  const seen = new Set<object>();
  const stack: MValue[] = [...consts];
  let chars = 0;
  while (stack.length) {
    const v = stack.pop() as MValue;
    if (v instanceof CodeValue) {
      if (!info.children.includes(v.info)) info.children.push(v.info);
    } else if (typeof v === 'string' || v instanceof Uint8Array) {
      const s = typeof v === 'string' ? v : latin1(v);
      if (chars < maxChars * 16) {
        const kept = s.length > maxChars ? `${s.slice(0, maxChars)}…` : s;
        info.strings.push(kept);
        chars += kept.length;
      }
    } else if (Array.isArray(v)) {
      if (seen.has(v)) continue;
      seen.add(v);
      for (const x of v) stack.push(x);
    } else if (v instanceof DictValue) {
      if (seen.has(v)) continue;
      seen.add(v);
      for (const [k, x] of v.entries) stack.push(k, x);
    }
  }
  info.strings.reverse();
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192)
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  return s;
}

function utf8(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}

/** Every code object reachable from `root` (root first), each once. */
export function allCodeObjects(root: CodeInfo, max = 10_000): CodeInfo[] {
  const out: CodeInfo[] = [];
  const seen = new Set<CodeInfo>();
  const stack = [root];
  while (stack.length && out.length < max) {
    const c = stack.pop() as CodeInfo;
    if (seen.has(c)) continue;
    seen.add(c);
    out.push(c);
    for (let i = c.children.length - 1; i >= 0; i--) stack.push(c.children[i]);
  }
  return out;
}
