import { ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { FMT_MALFORMED, FMT_MSGPACK_EXT } from './rules.js';
import { WindowReader } from './window-reader.js';

/** flax.serialization's msgpack extension codes (_MsgpackExtType). */
const FLAX_EXT = new Map([
  [1, 'ndarray'],
  [2, 'native_complex'],
  [3, 'npscalar'],
]);
const MAX_DEPTH = 512;
const MAX_ITEMS = 50_000_000;

/** Header of a msgpack value: its kind, and the count (containers) or byte length (str/bin/ext) that follows. */
interface Head {
  kind: 'scalar' | 'str' | 'bin' | 'ext' | 'array' | 'map';
  /** Bytes of the header itself (marker + length/type fields, or the whole fixed-size scalar). */
  size: number;
  /** Entries (array: items; map: pairs) or payload bytes. */
  n: number;
  /** Extension type code. */
  ext?: number;
}

/** Decodes the header at b[i]; undefined when b is too short. Throws on the never-used 0xc1 marker. */
function headAt(b: Uint8Array, i: number): Head | undefined {
  if (i >= b.length) return undefined;
  const c = b[i];
  const need = (k: number): boolean => i + k <= b.length;
  const be = (off: number, len: number): number => {
    let v = 0;
    for (let k = 0; k < len; k++) v = v * 256 + b[i + off + k];
    return v;
  };
  if (c <= 0x7f || c >= 0xe0) return { kind: 'scalar', size: 1, n: 0 };
  if (c <= 0x8f) return { kind: 'map', size: 1, n: c & 0x0f };
  if (c <= 0x9f) return { kind: 'array', size: 1, n: c & 0x0f };
  if (c <= 0xbf) return { kind: 'str', size: 1, n: c & 0x1f };
  switch (c) {
    case 0xc0:
    case 0xc2:
    case 0xc3:
      return { kind: 'scalar', size: 1, n: 0 };
    case 0xc1:
      throw new ParseError('msgpack marker 0xc1 is never used', i);
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      const l = 1 << (c - 0xc4);
      return need(1 + l) ? { kind: 'bin', size: 1 + l, n: be(1, l) } : undefined;
    }
    case 0xc7:
    case 0xc8:
    case 0xc9: {
      const l = 1 << (c - 0xc7);
      return need(2 + l)
        ? { kind: 'ext', size: 2 + l, n: be(1, l), ext: (b[i + 1 + l] << 24) >> 24 }
        : undefined;
    }
    case 0xca:
      return { kind: 'scalar', size: 5, n: 0 };
    case 0xcb:
      return { kind: 'scalar', size: 9, n: 0 };
    case 0xcc:
    case 0xd0:
      return { kind: 'scalar', size: 2, n: 0 };
    case 0xcd:
    case 0xd1:
      return { kind: 'scalar', size: 3, n: 0 };
    case 0xce:
    case 0xd2:
      return { kind: 'scalar', size: 5, n: 0 };
    case 0xcf:
    case 0xd3:
      return { kind: 'scalar', size: 9, n: 0 };
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      return need(2) ? { kind: 'ext', size: 2, n: 1 << (c - 0xd4), ext: (b[i + 1] << 24) >> 24 } : undefined;
    case 0xd9:
    case 0xda:
    case 0xdb: {
      const l = 1 << (c - 0xd9);
      return need(1 + l) ? { kind: 'str', size: 1 + l, n: be(1, l) } : undefined;
    }
    case 0xdc:
    case 0xdd: {
      const l = c === 0xdc ? 2 : 4;
      return need(1 + l) ? { kind: 'array', size: 1 + l, n: be(1, l) } : undefined;
    }
    case 0xde:
    case 0xdf: {
      const l = c === 0xde ? 2 : 4;
      return need(1 + l) ? { kind: 'map', size: 1 + l, n: be(1, l) } : undefined;
    }
  }
  return undefined;
}

/** A msgpack map (1+ entries) whose first key is an identifier-like string and whose first value is a container or ext. */
export function sniffMsgpack(h: Uint8Array): boolean {
  if (h.length < 4 || h[0] === 0x80) return false;
  let top: Head | undefined;
  try {
    top = headAt(h, 0);
  } catch {
    return false;
  }
  if (!top || top.kind !== 'map' || top.n < 1) return false;
  let i = top.size;
  const key = headAt(h, i);
  if (!key || key.kind !== 'str' || key.n < 1 || key.n > 128 || i + key.size + key.n > h.length) return false;
  const k = Buffer.from(h.subarray(i + key.size, i + key.size + key.n)).toString('latin1');
  if (!/^[A-Za-z_][\w.\-/]*$/.test(k)) return false;
  i += key.size + key.n;
  let v: Head | undefined;
  try {
    v = headAt(h, i);
  } catch {
    return false;
  }
  return !!v && (v.kind === 'map' || v.kind === 'ext') && (v.kind !== 'map' || v.n > 0 || top.n > 1);
}

/**
 * Walks the msgpack values in the head: true when at least `min` values decode cleanly up to the end of the head
 * (or of the document) and every map key is an identifier-like string.
 */
export function headParsesAsMsgpack(h: Uint8Array, min = 6): boolean {
  const stack: { left: number; map: boolean; keyTurn: boolean }[] = [{ left: 1, map: false, keyTurn: false }];
  let i = 0;
  let values = 0;
  try {
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.left === 0) {
        stack.pop();
        continue;
      }
      const isKey = top.map && top.keyTurn;
      if (top.map) top.keyTurn = !top.keyTurn;
      if (!top.map || top.keyTurn) top.left--;
      const v = headAt(h, i);
      if (!v) return values >= min; // the head ends inside a value header
      values++;
      if (isKey) {
        if (v.kind !== 'str' || v.n < 1 || v.n > 256) return false;
        if (i + v.size + v.n <= h.length) {
          const k = Buffer.from(h.subarray(i + v.size, i + v.size + v.n)).toString('utf8');
          if (!/^[\w.\-/:]+$/.test(k)) return false;
        }
      }
      i += v.size;
      if (v.kind === 'str' || v.kind === 'bin' || v.kind === 'ext') i += v.n;
      if (v.kind === 'map' || v.kind === 'array') {
        if (stack.length > 64) return false;
        stack.push({ left: v.n, map: v.kind === 'map', keyTurn: true });
      }
      if (i >= h.length) return values >= min;
    }
    return values >= 3;
  } catch {
    return false;
  }
}

export const msgpackScanner: FormatScanner = {
  id: 'msgpack',
  version: '1',
  sniff(input: SniffInput): number {
    if (!sniffMsgpack(input.head)) return 0;
    // A structure that decodes cleanly beats the pickle sniffer's claim on the same first bytes (0x81-0x8f are
    // also pickle opcodes).
    return headParsesAsMsgpack(input.head) ? 60 : 30;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    const r = new WindowReader(source);
    const extCounts = new Map<number, number>();
    const unexpected: { ext: number; offset: number }[] = [];
    const badDtypes: { dtype: string; offset: number }[] = [];
    let pos = 0;
    let items = 0;
    // Remaining values to read at each open container level (maps count keys and values).
    const stack: number[] = [1];
    try {
      while (stack.length) {
        if (stack[stack.length - 1] === 0) {
          stack.pop();
          continue;
        }
        stack[stack.length - 1]--;
        if (++items > MAX_ITEMS) throw new ParseError(`more than ${MAX_ITEMS} msgpack values`, pos);
        if ((items & 0xffff) === 0) ctx.checkDeadline();
        const avail = Math.min(16, source.size - pos);
        if (avail <= 0) throw new ParseError('msgpack data ends inside a value', pos);
        const h = headAt(await r.bytes(pos, avail), 0);
        if (!h) throw new ParseError('msgpack data ends inside a value header', pos);
        const at = pos;
        pos += h.size;
        switch (h.kind) {
          case 'scalar':
            break;
          case 'str':
          case 'bin':
            pos += h.n;
            break;
          case 'ext': {
            const code = h.ext ?? 0;
            extCounts.set(code, (extCounts.get(code) ?? 0) + 1);
            if (!FLAX_EXT.has(code)) {
              if (unexpected.length < 50) unexpected.push({ ext: code, offset: at });
            } else if (code === 1 || code === 3) {
              const dtype = await ndarrayDtype(r, pos, h.n, code);
              if (
                dtype !== undefined &&
                /^(?:\|?O\d*|object|V\d*|void\d*|\|V\d+)$/i.test(dtype) &&
                badDtypes.length < 50
              )
                badDtypes.push({ dtype, offset: at });
            }
            pos += h.n;
            break;
          }
          case 'array':
          case 'map':
            if (stack.length >= MAX_DEPTH)
              throw new ParseError(`msgpack nested deeper than ${MAX_DEPTH}`, at);
            stack.push(h.kind === 'map' ? h.n * 2 : h.n);
            break;
        }
        if (pos > source.size) throw new ParseError('msgpack value runs past the end of the file', at);
      }
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      ctx.addFormat('msgpack');
      ctx.report(FMT_MALFORMED, {
        message: `msgpack data could not be parsed: ${err.message}`,
        offset: err.offset,
      });
      return;
    }
    const flax = [...extCounts.keys()].some((k) => FLAX_EXT.has(k));
    ctx.addFormat(flax ? 'flax-msgpack' : 'msgpack');
    if (pos < source.size)
      ctx.report(FMT_MALFORMED, {
        message: `${source.size - pos} bytes follow the msgpack document`,
        severity: 'low',
        impact: 'suspicious',
        offset: pos,
        evidence: { trailingBytes: source.size - pos },
      });
    for (const u of unexpected)
      ctx.report(FMT_MSGPACK_EXT, {
        message: `msgpack extension type ${u.ext} is not one flax.serialization writes`,
        offset: u.offset,
        evidence: u,
      });
    for (const d of badDtypes)
      ctx.report(FMT_MSGPACK_EXT, {
        message: `msgpack ndarray declares dtype ${JSON.stringify(d.dtype)} (objects or raw records, not numbers)`,
        offset: d.offset,
        evidence: d,
      });
    ctx.addAnalysis(
      `msgpack:${items} values${extCounts.size ? `, ext ${[...extCounts].map(([k, v]) => `${FLAX_EXT.get(k) ?? k}×${v}`).join(' ')}` : ''}`,
    );
  },
};

/** The dtype name inside a flax ndarray ((shape, dtype, buffer)) or npscalar ((dtype, buffer)) ext payload. */
async function ndarrayDtype(
  r: WindowReader,
  pos: number,
  len: number,
  code: number,
): Promise<string | undefined> {
  const b = await r.bytes(pos, Math.min(len, 4096));
  try {
    const top = headAt(b, 0);
    if (!top || top.kind !== 'array') return undefined;
    let i = top.size;
    if (code === 1) {
      const shape = headAt(b, i);
      if (!shape || shape.kind !== 'array' || shape.n > 64) return undefined;
      i += shape.size;
      for (let k = 0; k < shape.n; k++) {
        const d = headAt(b, i);
        if (!d || d.kind !== 'scalar') return undefined;
        i += d.size;
      }
    }
    const s = headAt(b, i);
    if (!s || s.kind !== 'str' || i + s.size + s.n > b.length) return undefined;
    return Buffer.from(b.subarray(i + s.size, i + s.size + s.n)).toString('utf8');
  } catch {
    return undefined;
  }
}
