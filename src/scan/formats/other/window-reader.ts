import { ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';

/**
 * Random-access reads through a sliding window, so walking a structure of many small fields costs few reads and
 * skipping a large field (weights) costs nothing.
 */
export class WindowReader {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  constructor(
    readonly source: ByteSource,
    private readonly windowSize = 1024 * 1024,
  ) {}

  get size(): number {
    return this.source.size;
  }

  /** `n` bytes at `pos` (a view into the window; copy it to keep it). Throws ParseError past the end. */
  async bytes(pos: number, n: number): Promise<Uint8Array> {
    if (pos < 0 || n < 0 || pos + n > this.source.size)
      throw new ParseError(`read of ${n} bytes at ${pos} runs past the end (${this.source.size} bytes)`, pos);
    if (pos < this.start || pos + n > this.start + this.buf.length) {
      this.buf = await this.source.read(pos, Math.min(Math.max(n, this.windowSize), this.source.size - pos));
      this.start = pos;
      if (this.buf.length < n) throw new ParseError('short read', pos);
    }
    return this.buf.subarray(pos - this.start, pos - this.start + n);
  }

  async u8(pos: number): Promise<number> {
    return (await this.bytes(pos, 1))[0];
  }
}

export interface PbField {
  field: number;
  wire: number;
  /** Offset of the value (after the tag, and after the length for length-delimited fields). */
  pos: number;
  /** Length of a length-delimited value. */
  len: number;
  /** Value of a varint field (exact up to 2^53). */
  varint: number;
  /** Offset just past the value. */
  end: number;
}

/** Reads a varint at `pos`; returns [value, next offset]. */
export async function readVarint(r: WindowReader, pos: number): Promise<[number, number]> {
  const avail = Math.min(10, r.size - pos);
  if (avail <= 0) throw new ParseError('truncated varint', pos);
  const b = await r.bytes(pos, avail);
  let v = 0;
  let mul = 1;
  for (let i = 0; i < b.length; i++) {
    v += (b[i] & 0x7f) * mul;
    mul *= 128;
    if ((b[i] & 0x80) === 0) return [v, pos + i + 1];
  }
  throw new ParseError('varint longer than 10 bytes', pos);
}

/** Iterates the fields of a protobuf message stored in [start, end). */
export async function* pbFields(r: WindowReader, start: number, end: number): AsyncGenerator<PbField> {
  let pos = start;
  while (pos < end) {
    const [tag, p] = await readVarint(r, pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new ParseError('protobuf field number 0', pos);
    let f: PbField;
    switch (wire) {
      case 0: {
        const [v, q] = await readVarint(r, p);
        f = { field, wire, pos: p, len: q - p, varint: v, end: q };
        break;
      }
      case 1:
        f = { field, wire, pos: p, len: 8, varint: 0, end: p + 8 };
        break;
      case 2: {
        const [len, q] = await readVarint(r, p);
        f = { field, wire, pos: q, len, varint: 0, end: q + len };
        break;
      }
      case 5:
        f = { field, wire, pos: p, len: 4, varint: 0, end: p + 4 };
        break;
      default:
        throw new ParseError(`unsupported protobuf wire type ${wire}`, pos);
    }
    if (f.end > end) throw new ParseError(`protobuf field ${field} runs past its message`, pos);
    yield f;
    pos = f.end;
  }
}

/** The UTF-8 text of a length-delimited field (at most `max` bytes of it). */
export async function pbString(r: WindowReader, f: PbField, max = 4096): Promise<string> {
  if (f.wire !== 2) return '';
  return Buffer.from(await r.bytes(f.pos, Math.min(f.len, max))).toString('utf8');
}
