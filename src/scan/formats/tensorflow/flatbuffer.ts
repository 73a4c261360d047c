import { ParseError } from '../../../core/errors.js';
import type { ByteSource } from '../../source.js';
import { decodeUtf8 } from '../protobuf/wire.js';

/**
 * A minimal, bounded FlatBuffers reader over a {@link ByteSource}: tables (through their vtables), scalar fields,
 * offsets, vectors and strings. Every offset is checked against the data before it is followed; nothing is read
 * that the caller does not ask for (tensor buffers are located, never read).
 */

export interface FbTable {
  pos: number;
  vtable: number;
  vtableSize: number;
  tableSize: number;
}

export interface FbVector {
  /** Absolute offset of the first element. */
  start: number;
  length: number;
}

export class FlatReader {
  private buf: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private base = 0;
  private readonly block: number;

  constructor(
    readonly src: ByteSource,
    blockSize = 64 * 1024,
  ) {
    this.block = blockSize;
  }

  get size(): number {
    return this.src.size;
  }

  private check(pos: number, n: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || n < 0 || pos + n > this.src.size)
      throw new ParseError(`${what} at ${pos} lies outside the file (${this.src.size} bytes)`, pos);
  }

  /** Makes [pos, pos+n) available in the window (n ≤ 16). */
  private async at(pos: number, n: number, what: string): Promise<number> {
    this.check(pos, n, what);
    if (pos < this.base || pos + n > this.base + this.buf.length) {
      const len = Math.min(this.block, this.src.size - pos);
      this.buf = await this.src.read(pos, len);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      this.base = pos;
    }
    return pos - this.base;
  }

  async u8(pos: number): Promise<number> {
    const i = await this.at(pos, 1, 'byte');
    return this.view.getUint8(i);
  }
  async i8(pos: number): Promise<number> {
    const i = await this.at(pos, 1, 'byte');
    return this.view.getInt8(i);
  }
  async u16(pos: number): Promise<number> {
    const i = await this.at(pos, 2, 'uint16');
    return this.view.getUint16(i, true);
  }
  async i32(pos: number): Promise<number> {
    const i = await this.at(pos, 4, 'int32');
    return this.view.getInt32(i, true);
  }
  async u32(pos: number): Promise<number> {
    const i = await this.at(pos, 4, 'uint32');
    return this.view.getUint32(i, true);
  }
  /** uint64 as a number; ParseError when it does not fit a safe integer. */
  async u64(pos: number): Promise<number> {
    const i = await this.at(pos, 8, 'uint64');
    const v = this.view.getUint32(i + 4, true) * 2 ** 32 + this.view.getUint32(i, true);
    if (!Number.isSafeInteger(v)) throw new ParseError('uint64 value too large', pos);
    return v;
  }

  /** The table at `pos` (its vtable is checked). */
  async table(pos: number): Promise<FbTable> {
    const soff = await this.i32(pos);
    const vtable = pos - soff;
    this.check(vtable, 4, 'vtable');
    const vtableSize = await this.u16(vtable);
    const tableSize = await this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new ParseError('invalid vtable size', vtable);
    this.check(vtable, vtableSize, 'vtable');
    this.check(pos, tableSize, 'table');
    return { pos, vtable, vtableSize, tableSize };
  }

  /** Absolute position of field `index` of a table, or undefined when absent. */
  async field(t: FbTable, index: number): Promise<number | undefined> {
    const slot = 4 + 2 * index;
    if (slot + 2 > t.vtableSize) return undefined;
    const off = await this.u16(t.vtable + slot);
    if (off === 0) return undefined;
    if (off >= t.tableSize) throw new ParseError(`field ${index} lies outside its table`, t.pos);
    return t.pos + off;
  }

  /** Follows the uoffset stored at `pos`. */
  async ref(pos: number): Promise<number> {
    const target = pos + (await this.u32(pos));
    this.check(target, 4, 'offset target');
    return target;
  }

  /** The vector referenced by the uoffset at `pos`, with elements of `elemSize` bytes. */
  async vector(pos: number, elemSize: number): Promise<FbVector> {
    const target = await this.ref(pos);
    const length = await this.u32(target);
    const start = target + 4;
    if (length * elemSize > this.src.size - start)
      throw new ParseError(`vector of ${length} elements runs past the end of the file`, target);
    return { start, length };
  }

  /** A table referenced from a vector of tables (element `i`). */
  async tableAt(v: FbVector, i: number): Promise<FbTable> {
    return this.table(await this.ref(v.start + 4 * i));
  }

  /** The string referenced by the uoffset at `pos` (at most `max` bytes decoded). */
  async string(pos: number, max = 4096): Promise<string> {
    const v = await this.vector(pos, 1);
    return decodeUtf8(await this.src.read(v.start, Math.min(v.length, max)));
  }

  /** Optional scalar / reference helpers on table fields. */
  async fieldU32(t: FbTable, index: number, dflt = 0): Promise<number> {
    const p = await this.field(t, index);
    return p === undefined ? dflt : this.u32(p);
  }
  async fieldI32(t: FbTable, index: number, dflt = 0): Promise<number> {
    const p = await this.field(t, index);
    return p === undefined ? dflt : this.i32(p);
  }
  async fieldI8(t: FbTable, index: number, dflt = 0): Promise<number> {
    const p = await this.field(t, index);
    return p === undefined ? dflt : this.i8(p);
  }
  async fieldString(t: FbTable, index: number, max = 4096): Promise<string | undefined> {
    const p = await this.field(t, index);
    return p === undefined ? undefined : this.string(p, max);
  }
  async fieldVector(t: FbTable, index: number, elemSize: number): Promise<FbVector | undefined> {
    const p = await this.field(t, index);
    return p === undefined ? undefined : this.vector(p, elemSize);
  }
}

/**
 * The strings of a FlexBuffer whose root is a vector of strings or blobs (the custom options of a TFLite Flex op:
 * [op name, serialized NodeDef]). Returns undefined when the buffer has another shape. Bounded by the buffer.
 */
export function flexStringVector(b: Uint8Array, maxItems = 8): Uint8Array[] | undefined {
  const n = b.length;
  if (n < 3) return undefined;
  const uint = (pos: number, width: number): number | undefined => {
    if (pos < 0 || pos + width > n) return undefined;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + b[pos + i];
    return v;
  };
  const rootWidth = b[n - 1];
  const packed = b[n - 2];
  if (![1, 2, 4, 8].includes(rootWidth)) return undefined;
  const type = packed >> 2;
  const width = 1 << (packed & 3);
  if (type !== 10) return undefined; // FBT_VECTOR (untyped)
  const rootPos = n - 2 - rootWidth;
  const off = uint(rootPos, rootWidth);
  if (off === undefined) return undefined;
  const vec = rootPos - off;
  const size = uint(vec - width, width);
  if (size === undefined || size > maxItems || vec + size * width + size > n) return undefined;
  const out: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    const elemPos = vec + i * width;
    const et = b[vec + size * width + i];
    const etype = et >> 2;
    if (etype !== 5 && etype !== 25) return undefined; // FBT_STRING, FBT_BLOB
    const eoff = uint(elemPos, width);
    if (eoff === undefined) return undefined;
    const sPos = elemPos - eoff;
    const sWidth = 1 << (et & 3);
    const len = uint(sPos - sWidth, sWidth);
    if (len === undefined || sPos < 0 || sPos + len > n) return undefined;
    out.push(b.subarray(sPos, sPos + len));
  }
  return out;
}
