import { LimitError, ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';

/**
 * A lazy, bounded reader of the protobuf wire format over a {@link ByteSource}.
 *
 * It walks the fields of a message without decoding anything the caller does not ask for: a length-delimited field
 * (a nested message, a string, a 2 GB `raw_data` tensor) is reported with its offset and length, and skipping it
 * costs nothing. Bytes are read through a small moving window, so the bytes read are those of the structure the
 * caller walks, not those of the file. Every bound is checked: nesting depth, number of fields visited, lengths
 * against the enclosing message, varint length. Malformed input raises {@link ParseError}; a bound raises
 * {@link LimitError}.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface ProtoField {
  /** Field number. */
  no: number;
  /** Wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** Unsigned value of a varint / fixed field (exact below 2^53). 0 for LEN fields. */
  value: number;
  /** The same value read as a two's-complement int64 (exact between -2^53 and 2^53). */
  signed: number;
  /** Absolute offset of the value (varint / fixed) or of the payload (LEN). */
  offset: number;
  /** Payload length of a LEN field; 8 or 4 for fixed fields; the encoded length of a varint. */
  length: number;
  /** Absolute offset just past this field. */
  end: number;
}

export interface ProtoReaderOptions {
  /** Deepest message nesting walked (default 100). */
  maxDepth?: number;
  /** Fields visited over the reader's lifetime (default 200 million). */
  maxFields?: number;
  /** Window size of each read (default 64 KiB). */
  blockSize?: number;
  /** Called every 65 536 fields: throw to stop (e.g. a deadline). */
  onProgress?: () => void;
}

/** Visitor of one field; may return a promise, which is awaited before the next field. */
export type FieldVisitor = (f: ProtoField) => unknown;

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD); short ASCII strings take a fast path. */
export function decodeUtf8(b: Uint8Array): string {
  if (b.length <= 64) {
    let ascii = true;
    for (let i = 0; i < b.length; i++)
      if (b[i] >= 0x80) {
        ascii = false;
        break;
      }
    if (ascii) return String.fromCharCode(...b);
  }
  return utf8.decode(b);
}

export class ProtoReader {
  readonly maxDepth: number;
  readonly maxFields: number;
  private readonly block: number;
  private readonly onProgress?: () => void;
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;
  private lo = 0;
  private hi = 0;
  /** Fields visited so far. */
  fields = 0;

  constructor(
    readonly src: ByteSource,
    opts: ProtoReaderOptions = {},
  ) {
    this.maxDepth = opts.maxDepth ?? 100;
    this.maxFields = opts.maxFields ?? 200_000_000;
    this.block = Math.max(64, opts.blockSize ?? 64 * 1024);
    this.onProgress = opts.onProgress;
  }

  get size(): number {
    return this.src.size;
  }

  private async load(pos: number): Promise<void> {
    const len = Math.min(this.block, this.src.size - pos);
    this.buf = len > 0 ? await this.src.read(pos, len) : new Uint8Array(0);
    this.base = pos;
  }

  /** Reads a varint at window index i (bounded by window index lim) into lo/hi; returns the next index. */
  private varint(i: number, lim: number, at: number): number {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let x: number;
    for (let k = 0; k < 4; k++) {
      if (i >= lim) throw new ParseError('truncated varint', at);
      x = b[i++];
      lo |= (x & 0x7f) << (7 * k);
      if (x < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        return i;
      }
    }
    if (i >= lim) throw new ParseError('truncated varint', at);
    x = b[i++];
    lo |= (x & 0x0f) << 28;
    hi = (x & 0x7f) >> 4;
    if (x < 0x80) {
      this.lo = lo >>> 0;
      this.hi = hi;
      return i;
    }
    for (let k = 0; k < 5; k++) {
      if (i >= lim) throw new ParseError('truncated varint', at);
      x = b[i++];
      hi |= (x & 0x7f) << (3 + 7 * k);
      if (x < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return i;
      }
    }
    throw new ParseError('varint longer than 10 bytes', at);
  }

  private unsigned(): number {
    return this.hi * TWO_32 + this.lo;
  }

  private signedValue(): number {
    if (this.hi & 0x80000000) return -((~this.hi >>> 0) * TWO_32 + ((~this.lo >>> 0) + 1));
    return this.hi * TWO_32 + this.lo;
  }

  /**
   * Walks the fields of the message stored in [start, end), calling `visit` for each. Nothing of a LEN field is
   * read unless the visitor asks for it.
   */
  async walk(start: number, end: number, depth: number, visit: FieldVisitor): Promise<void> {
    if (depth > this.maxDepth)
      throw new LimitError('protobufDepth', `protobuf messages nested deeper than ${this.maxDepth} levels`);
    if (start < 0 || end > this.src.size || start > end)
      throw new ParseError(
        `message [${start}, ${end}) lies outside the data (${this.src.size} bytes)`,
        start,
      );
    let pos = start;
    while (pos < end) {
      if (++this.fields > this.maxFields)
        throw new LimitError(
          'protobufFields',
          `more than ${this.maxFields} protobuf fields; analysis stopped`,
        );
      if ((this.fields & 0xffff) === 0) this.onProgress?.();
      const need = Math.min(end, pos + 22);
      if (pos < this.base || need > this.base + this.buf.length) await this.load(pos);
      const lim = Math.min(end, this.base + this.buf.length) - this.base;
      let i = pos - this.base;
      i = this.varint(i, lim, pos);
      if (this.hi !== 0) throw new ParseError('field number out of range', pos);
      const tag = this.lo;
      const no = Math.floor(tag / 8);
      const wire = tag & 7;
      if (no === 0) throw new ParseError('field number 0', pos);
      let value = 0;
      let signed = 0;
      let offset = this.base + i;
      let length: number;
      let fieldEnd: number;
      switch (wire) {
        case WIRE_VARINT: {
          const j = this.varint(i, lim, offset);
          value = this.unsigned();
          signed = this.signedValue();
          length = j - i;
          fieldEnd = this.base + j;
          break;
        }
        case WIRE_I64: {
          if (offset + 8 > end) throw new ParseError('truncated fixed64 field', pos);
          const b = this.buf;
          this.lo = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
          this.hi = (b[i + 4] | (b[i + 5] << 8) | (b[i + 6] << 16) | (b[i + 7] << 24)) >>> 0;
          value = this.unsigned();
          signed = this.signedValue();
          length = 8;
          fieldEnd = offset + 8;
          break;
        }
        case WIRE_I32: {
          if (offset + 4 > end) throw new ParseError('truncated fixed32 field', pos);
          const b = this.buf;
          value = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
          signed = value | 0;
          length = 4;
          fieldEnd = offset + 4;
          break;
        }
        case WIRE_LEN: {
          const j = this.varint(i, lim, offset);
          if (this.hi !== 0) throw new ParseError('length-delimited field longer than 4 GiB', pos);
          length = this.lo;
          offset = this.base + j;
          if (length > end - offset)
            throw new ParseError(
              `field ${no} declares ${length} bytes but its message has ${end - offset} left`,
              pos,
            );
          fieldEnd = offset + length;
          break;
        }
        default:
          throw new ParseError(`unsupported wire type ${wire} (field ${no})`, pos);
      }
      const r = visit({ no, wire, value, signed, offset, length, end: fieldEnd });
      if (r !== undefined && typeof (r as Promise<unknown>).then === 'function') await r;
      pos = fieldEnd;
    }
  }

  /** Walks a nested message given as a LEN field. */
  async message(f: ProtoField, depth: number, visit: FieldVisitor): Promise<void> {
    if (f.wire !== WIRE_LEN) throw new ParseError(`field ${f.no} is not a message`, f.offset);
    await this.walk(f.offset, f.end, depth + 1, visit);
  }

  /** Bytes [offset, offset+length), served from the window when they are in it. */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.base && offset + length <= this.base + this.buf.length)
      return this.buf.subarray(offset - this.base, offset - this.base + length);
    return this.src.read(offset, length);
  }

  /** A LEN field as a string when its bytes are in the window (no read); undefined otherwise. */
  stringSync(f: ProtoField, max = 4096): string | undefined {
    const n = Math.min(f.length, max);
    if (f.offset >= this.base && f.offset + n <= this.base + this.buf.length)
      return decodeUtf8(this.buf.subarray(f.offset - this.base, f.offset - this.base + n));
    return undefined;
  }

  /** Calls `set` with the string value of a LEN field: synchronously when its bytes are in the window. */
  withString(f: ProtoField, max: number, set: (s: string) => void): Promise<void> | undefined {
    if (f.wire !== WIRE_LEN) throw new ParseError(`field ${f.no} is not a string`, f.offset);
    const s = this.stringSync(f, max);
    if (s !== undefined) {
      set(s);
      return undefined;
    }
    return this.string(f, max).then(set);
  }

  /** A LEN field as a string, decoding at most `max` bytes of it. */
  async string(f: ProtoField, max = 4096): Promise<string> {
    if (f.wire !== WIRE_LEN) throw new ParseError(`field ${f.no} is not a string`, f.offset);
    return decodeUtf8(await this.bytes(f.offset, Math.min(f.length, max)));
  }

  /**
   * Values of a repeated integer field: a single varint, or a packed LEN run of varints (at most `max` values are
   * decoded; `count` is the number of values in the run).
   */
  async varints(f: ProtoField, max = 1024): Promise<{ values: number[]; count: number }> {
    if (f.wire === WIRE_VARINT) return { values: [f.signed], count: 1 };
    if (f.wire !== WIRE_LEN) throw new ParseError(`field ${f.no} is not an integer list`, f.offset);
    const data = await this.bytes(f.offset, f.length);
    return decodePackedVarints(data, max, f.offset);
  }
}

/** Decodes a packed run of varints (two's-complement int64), keeping at most `max` values. */
export function decodePackedVarints(
  data: Uint8Array,
  max: number,
  at = 0,
): { values: number[]; count: number } {
  const values: number[] = [];
  let count = 0;
  let i = 0;
  while (i < data.length) {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let done = false;
    while (i < data.length && shift < 70) {
      const x = data[i++];
      if (shift < 28) lo |= (x & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (x & 0x0f) << 28;
        hi = (x & 0x7f) >> 4;
      } else hi |= (x & 0x7f) << (shift - 32);
      shift += 7;
      if (x < 0x80) {
        done = true;
        break;
      }
    }
    if (!done) throw new ParseError('malformed packed varints', at + i);
    count++;
    if (values.length < max) {
      lo >>>= 0;
      hi >>>= 0;
      values.push(hi & 0x80000000 ? -((~hi >>> 0) * TWO_32 + ((~lo >>> 0) + 1)) : hi * TWO_32 + lo);
    }
  }
  return { values, count };
}

/** One field of a head-of-file parse: like {@link ProtoField}, with the payload when it lies in the head. */
export interface HeadField {
  no: number;
  wire: number;
  value: number;
  offset: number;
  length: number;
  /** Payload bytes of a LEN field that lie in the buffer (may be shorter than `length` at the buffer's end). */
  payload?: Uint8Array;
  /** The field declares more bytes than the content has (truncated content). */
  overrun?: boolean;
}

/**
 * Parses the fields of a message from the first bytes of some content (for sniffing), without reading further.
 * Stops at the end of the buffer, at `end` or after `maxFields`; `ok` is false when the bytes are not protobuf.
 * A LEN field may declare more bytes than the buffer holds (its payload is then truncated) but never more than
 * `declaredEnd` (the real size of the content).
 */
export function parseHead(
  buf: Uint8Array,
  start: number,
  end: number,
  declaredEnd: number,
  maxFields = 64,
): { ok: boolean; fields: HeadField[]; truncated: boolean; overrun?: boolean } {
  const fields: HeadField[] = [];
  let i = start;
  const lim = Math.min(end, buf.length);
  while (i < lim && fields.length < maxFields) {
    const t = readVarintSync(buf, i, lim);
    if (!t) return { ok: true, fields, truncated: true };
    if (t.value === 0 || t.value > 0xffffffff) return { ok: false, fields, truncated: false };
    const no = Math.floor(t.value / 8);
    const wire = t.value % 8;
    i = t.next;
    if (wire === WIRE_VARINT) {
      const v = readVarintSync(buf, i, lim);
      if (!v) return { ok: true, fields, truncated: true };
      fields.push({ no, wire, value: v.value, offset: i, length: v.next - i });
      i = v.next;
    } else if (wire === WIRE_LEN) {
      const v = readVarintSync(buf, i, lim);
      if (!v) return { ok: true, fields, truncated: true };
      const off = v.next;
      if (v.value > declaredEnd - off || v.value > Math.max(0, end - off)) {
        // Runs past the end of the content: a truncated file (or not protobuf); the caller decides.
        const payload = buf.subarray(off, Math.min(lim, off + v.value));
        fields.push({ no, wire, value: 0, offset: off, length: v.value, payload, overrun: true });
        return { ok: true, fields, truncated: true, overrun: true };
      }
      const payload = buf.subarray(off, Math.min(lim, off + v.value));
      fields.push({ no, wire, value: 0, offset: off, length: v.value, payload });
      i = off + v.value;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const n = wire === WIRE_I64 ? 8 : 4;
      if (i + n > lim) return { ok: true, fields, truncated: true };
      fields.push({ no, wire, value: 0, offset: i, length: n });
      i += n;
    } else return { ok: false, fields, truncated: false };
  }
  return { ok: true, fields, truncated: i > lim || (i < end && i >= buf.length) };
}

function readVarintSync(b: Uint8Array, i: number, lim: number): { value: number; next: number } | null {
  let value = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (i >= lim) return null;
    const x = b[i++];
    value += (x & 0x7f) * mul;
    mul *= 128;
    if (x < 0x80) return { value, next: i };
  }
  return { value: Number.MAX_SAFE_INTEGER, next: i };
}

/** True when the bytes look like a human-readable identifier or text (no control characters but tab/newline). */
export function isPrintable(b: Uint8Array): boolean {
  for (const c of b) if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) return false;
  return true;
}
