/**
 * Constant values for folding Jinja expressions the way Python's Jinja2 would evaluate them, bounded in size.
 * Only what obfuscated attribute names are built from is modelled: strings, numbers, booleans, None, lists and
 * string-keyed dictionaries.
 */

export class ConstDict {
  constructor(readonly map: Map<string, Const>) {}
}
export type Const = string | number | boolean | null | readonly Const[] | ConstDict;

/** Longest string kept as a constant; longer results become unknown. */
export const MAX_CONST_STRING = 64 * 1024;
/** Longest list kept as a constant. */
export const MAX_CONST_LIST = 4096;

export function isStr(c: Const): c is string {
  return typeof c === 'string';
}
export function isNum(c: Const): c is number {
  return typeof c === 'number';
}
export function isList(c: Const): c is readonly Const[] {
  return Array.isArray(c);
}

/** Python's repr() of a constant (approximate, enough for str() of containers). */
export function pyRepr(c: Const): string {
  if (typeof c === 'string') return `'${c.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(c);
}

/** Python's str() of a constant. */
export function pyStr(c: Const): string {
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return Number.isFinite(c) ? String(c) : c > 0 ? 'inf' : c < 0 ? '-inf' : 'nan';
  if (typeof c === 'boolean') return c ? 'True' : 'False';
  if (c === null) return 'None';
  if (c instanceof ConstDict)
    return `{${[...c.map].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return `[${(c as readonly Const[]).map(pyRepr).join(', ')}]`;
}

/** Python truthiness; undefined when it cannot be decided. */
export function truthy(c: Const): boolean {
  if (typeof c === 'string') return c.length > 0;
  if (typeof c === 'number') return c !== 0;
  if (typeof c === 'boolean') return c;
  if (c === null) return false;
  if (c instanceof ConstDict) return c.map.size > 0;
  return (c as readonly Const[]).length > 0;
}

/** Iterating a constant the way Python does (`for x in v`, `|list`). */
export function iterate(c: Const): Const[] | undefined {
  if (typeof c === 'string') return [...c];
  if (Array.isArray(c)) return [...(c as Const[])];
  if (c instanceof ConstDict) return [...c.map.keys()];
  return undefined;
}

/** Indices selected by a Python slice of a sequence of `len` items. */
export function sliceIndices(
  len: number,
  start: number | null,
  stop: number | null,
  step: number | null,
): number[] | undefined {
  const st = step ?? 1;
  if (st === 0 || !Number.isInteger(st)) return undefined;
  const norm = (v: number | null, def: number, lo: number, hi: number): number => {
    if (v === null) return def;
    if (!Number.isInteger(v)) return NaN;
    let x = v < 0 ? v + len : v;
    if (x < lo) x = lo;
    if (x > hi) x = hi;
    return x;
  };
  const out: number[] = [];
  if (st > 0) {
    const a = norm(start, 0, 0, len);
    const b = norm(stop, len, 0, len);
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    for (let i = a; i < b; i += st) out.push(i);
  } else {
    const a = norm(start, len - 1, -1, len - 1);
    const b = norm(stop, -1, -1, len - 1);
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    for (let i = a; i > b; i += st) out.push(i);
  }
  return out;
}

/** Python `fmt % args` for the conversions obfuscated names use (%s %r %c %d %i %x %o %%). */
export function percentFormat(fmt: string, arg: Const): string | undefined {
  const tuple: readonly Const[] | undefined = Array.isArray(arg) ? (arg as Const[]) : undefined;
  const mapping = arg instanceof ConstDict ? arg.map : undefined;
  let next = 0;
  const take = (): Const | undefined => {
    if (tuple) return next < tuple.length ? tuple[next++] : undefined;
    if (next++ === 0) return arg;
    return undefined;
  };
  let failed = false;
  const re = /%(\([^)]*\))?([#0\- +]*)(\d+)?(?:\.(\d+))?([diouxXeEfFgGcrsa%])/g;
  const out = fmt.replace(
    re,
    (_m, key: string | undefined, flags: string, width?: string, prec?: string, conv?: string) => {
      if (conv === '%') return '%';
      let v: Const | undefined;
      if (key !== undefined) {
        if (!mapping) return ((failed = true), '');
        v = mapping.get(key.slice(1, -1));
      } else v = take();
      if (v === undefined) return ((failed = true), '');
      let s: string;
      switch (conv) {
        case 's':
          s = pyStr(v);
          break;
        case 'r':
        case 'a':
          s = pyRepr(v);
          break;
        case 'c':
          if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x10ffff)
            s = String.fromCodePoint(v);
          else if (typeof v === 'string' && [...v].length === 1) s = v;
          else return ((failed = true), '');
          break;
        case 'd':
        case 'i':
        case 'u':
          if (typeof v !== 'number' && typeof v !== 'boolean') return ((failed = true), '');
          s = String(Math.trunc(Number(v)));
          break;
        case 'x':
        case 'X':
        case 'o':
          if (typeof v !== 'number' || !Number.isInteger(v)) return ((failed = true), '');
          s = v.toString(conv === 'o' ? 8 : 16);
          if (conv === 'X') s = s.toUpperCase();
          break;
        default:
          return ((failed = true), '');
      }
      if (prec !== undefined && (conv === 's' || conv === 'r' || conv === 'a')) s = s.slice(0, Number(prec));
      if (width !== undefined) {
        const w = Number(width);
        if (w > 1024) return ((failed = true), '');
        s = flags.includes('-')
          ? s.padEnd(w)
          : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
      }
      return s;
    },
  );
  if (failed) return undefined;
  if (tuple && next < tuple.length) return undefined; // "not all arguments converted"
  return out;
}

/** A parsed `str.format` replacement field: argument name/index plus attribute and item accessors. */
export interface FormatField {
  arg: string;
  accessors: string[];
  conversion?: string;
  spec: string;
}

/**
 * Python `str.format`. Returns the result (undefined when it cannot be computed) and every field, whose
 * accessors (`{0.__class__}`, `{0[__globals__]}`) are attribute lookups the caller must check.
 */
export function strFormat(
  fmt: string,
  args: readonly Const[] | undefined,
  kwargs: ReadonlyMap<string, Const> | undefined,
): { result: string | undefined; fields: FormatField[] } {
  const fields: FormatField[] = [];
  let out = '';
  let ok = args !== undefined;
  let auto = 0;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i];
    if (ch === '{' && fmt[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && fmt[i + 1] === '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (ch !== '{') {
      out += ch;
      i++;
      continue;
    }
    const end = fmt.indexOf('}', i + 1);
    if (end < 0) return { result: undefined, fields };
    const body = fmt.slice(i + 1, end);
    i = end + 1;
    const m = /^([^.[!:]*)((?:\.[^.[!:]*|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(body);
    if (!m) return { result: undefined, fields };
    const accessors = [...m[2].matchAll(/\.([^.[]*)|\[([^\]]*)\]/g)].map((x) => x[1] ?? x[2]);
    const field: FormatField = { arg: m[1], accessors, spec: m[4] ?? '' };
    if (m[3]) field.conversion = m[3];
    fields.push(field);
    if (!ok) continue;
    let v: Const | undefined;
    if (m[1] === '') v = args?.[auto++];
    else if (/^\d+$/.test(m[1])) v = args?.[Number(m[1])];
    else v = kwargs?.get(m[1]);
    if (v === undefined || accessors.length) {
      ok = false;
      continue;
    }
    const spec = field.spec;
    if (spec === '' || spec === 's') out += field.conversion ? pyRepr(v) : pyStr(v);
    else if (spec === 'c' && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x10ffff)
      out += String.fromCodePoint(v);
    else if (spec === 'd' && typeof v === 'number') out += String(Math.trunc(v));
    else ok = false;
  }
  return { result: ok ? out : undefined, fields };
}

/** Equality good enough for deduplicating alternatives. */
export function constKey(c: Const): string {
  if (c instanceof ConstDict) return `d:${pyStr(c)}`;
  if (Array.isArray(c)) return `l:${pyStr(c)}`;
  return `${typeof c}:${String(c)}`;
}

/** Rough size of a constant, to keep folding bounded. */
export function constSize(c: Const): number {
  if (typeof c === 'string') return c.length;
  if (Array.isArray(c)) return (c as readonly Const[]).reduce<number>((n, x) => n + constSize(x) + 1, 0);
  if (c instanceof ConstDict) {
    let n = 0;
    for (const [k, v] of c.map) n += k.length + constSize(v) + 1;
    return n;
  }
  return 8;
}
