/**
 * LZ4 frame decoder (frame format 1.6: what `lz4.frame` / joblib `compress='lz4'` and the `lz4` tool write), written
 * for hostile input: every length and offset is checked before it is used, a block never decodes to more than the
 * frame's declared block size, and output goes to a BoundedSink (size, ratio and time limits). Linked blocks keep the
 * last 64 KiB of output as their dictionary. Concatenated frames and skippable frames are followed.
 *
 * Like the readers of other formats here, the decoder tolerates what loaders may tolerate and reports it: a wrong
 * header, block or content checksum is an anomaly ('checksum-mismatch'), not a reason to stop analysing. The legacy
 * frame format (`lz4 -l`) is decoded too. Frames that need an external dictionary and
 * descriptors with reserved bits set are refused (unsupported / ParseError): their content cannot be decoded
 * faithfully, so the caller reports the file inconclusive.
 */
import { BulwarkError, ParseError } from '../../core/errors.js';
import type { ByteSource } from '../source.js';
import { pushOnce, readU32 } from './bytes.js';
import type { BoundedSink } from './compress.js';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_BASE = 0x184d2a50;
const WINDOW = 64 * 1024;
const MIN_MATCH = 4;
const LEGACY_BLOCK = 8 * 1024 * 1024;
/** LZ4_compressBound(8 MiB): the largest compressed legacy block. */
const LZ4_BOUND_LEGACY = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

/** True when `h` starts with an LZ4 frame (magic and a version-01 FLG byte). */
export function isLz4Frame(h: Uint8Array): boolean {
  if (h.length >= 7 && readU32(h, 0) === FRAME_MAGIC && (h[4] & 0xc0) === 0x40) return true;
  // Legacy frame: magic, then a plausible first block size.
  return (
    h.length >= 9 && readU32(h, 0) === LEGACY_MAGIC && readU32(h, 4) > 0 && readU32(h, 4) <= LZ4_BOUND_LEGACY
  );
}

/** Decodes the LZ4 frames in src[offset, end) into `sink`; returns anomalies. */
export async function decodeLz4(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  anomalies: string[],
): Promise<void> {
  let pos = offset;
  let frames = 0;
  while (pos < end) {
    if (end - pos < 4) {
      pushOnce(anomalies, 'trailing-data');
      return;
    }
    const magic = readU32(await src.read(pos, 4), 0);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_BASE) {
      if (end - pos < 8) throw new ParseError('lz4: skippable frame header cut off', pos);
      const size = readU32(await src.read(pos + 4, 4), 0);
      if (pos + 8 + size > end)
        throw new ParseError('lz4: skippable frame runs past the end of the data', pos);
      pos += 8 + size;
      continue;
    }
    if (magic === LEGACY_MAGIC) {
      pos = await decodeLegacy(src, pos + 4, end, sink);
      frames++;
      continue;
    }
    if (magic !== FRAME_MAGIC) {
      if (frames === 0) throw new ParseError('lz4: not an LZ4 frame', pos);
      pushOnce(anomalies, 'trailing-data');
      return;
    }
    pos = await decodeFrame(src, pos, end, sink, anomalies);
    frames++;
  }
}

async function decodeFrame(
  src: ByteSource,
  start: number,
  end: number,
  sink: BoundedSink,
  anomalies: string[],
): Promise<number> {
  const head = await src.read(start, Math.min(19, end - start));
  if (head.length < 7) throw new ParseError('lz4: frame header cut off', start);
  const flg = head[4];
  const bd = head[5];
  if ((flg & 0xc0) !== 0x40) throw new ParseError(`lz4: frame version ${flg >> 6} is not 1`, start + 4);
  if (flg & 0x02 || bd & 0x8f)
    throw new ParseError('lz4: reserved bits are set in the frame descriptor', start + 4);
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  if (flg & 0x01) throw new BulwarkError('E_UNSUPPORTED', 'lz4: frame needs an external dictionary (DictID)');
  const blockMax = BLOCK_MAX[(bd >> 4) & 0x07];
  if (!blockMax) throw new ParseError(`lz4: invalid block maximum size code ${(bd >> 4) & 0x07}`, start + 5);
  const descEnd = 6 + (hasContentSize ? 8 : 0);
  if (head.length < descEnd + 1) throw new ParseError('lz4: frame header cut off', start);
  const hc = (xxh32(head.subarray(4, descEnd)) >>> 8) & 0xff;
  if (hc !== head[descEnd]) pushOnce(anomalies, 'checksum-mismatch');
  const declared = hasContentSize ? Number(readU64(head, 6)) : -1;
  let pos = start + descEnd + 1;

  // out[0, prefix) holds the dictionary (previous output, linked blocks only); blocks decode after it.
  const out = new Uint8Array((independent ? 0 : WINDOW) + blockMax);
  let prefix = 0;
  const content = contentChecksum ? new Xxh32() : null;
  const producedBefore = sink.produced;
  for (;;) {
    if (end - pos < 4) throw new ParseError('lz4: block header cut off (no end mark)', pos);
    const word = readU32(await src.read(pos, 4), 0);
    pos += 4;
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax)
      throw new ParseError(`lz4: block of ${size} bytes exceeds the frame's ${blockMax}`, pos - 4);
    if (pos + size + (blockChecksum ? 4 : 0) > end)
      throw new ParseError('lz4: block runs past the end of the data', pos);
    const data = await src.read(pos, size);
    if (blockChecksum) {
      const sum = readU32(await src.read(pos + size, 4), 0);
      if (xxh32(data) !== sum) pushOnce(anomalies, 'checksum-mismatch');
    }
    let n: number;
    if (stored) {
      out.set(data, prefix);
      n = size;
    } else n = decodeBlock(data, out, prefix, pos);
    pos += size + (blockChecksum ? 4 : 0);
    const produced = out.slice(prefix, prefix + n);
    content?.update(produced);
    sink.push(produced);
    if (!independent) {
      // Keep the last 64 KiB of output as the next block's dictionary.
      const total = prefix + n;
      const keep = Math.min(WINDOW, total);
      out.copyWithin(0, total - keep, total);
      prefix = keep;
    }
  }
  if (contentChecksum) {
    if (end - pos < 4) throw new ParseError('lz4: content checksum cut off', pos);
    if (readU32(await src.read(pos, 4), 0) !== content!.digest()) pushOnce(anomalies, 'checksum-mismatch');
    pos += 4;
  }
  if (declared >= 0 && declared !== sink.produced - producedBefore) pushOnce(anomalies, 'size-mismatch');
  return pos;
}

/**
 * Legacy frame (`lz4 -l`, old `lz4c`): independent blocks of at most 8 MiB output, each preceded by its compressed
 * size, until the data ends or a size field holds a frame magic (the next frame).
 */
async function decodeLegacy(src: ByteSource, start: number, end: number, sink: BoundedSink): Promise<number> {
  const out = new Uint8Array(LEGACY_BLOCK);
  let pos = start;
  while (end - pos >= 4) {
    const size = readU32(await src.read(pos, 4), 0);
    if (size === FRAME_MAGIC || size === LEGACY_MAGIC || (size & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_BASE)
      break;
    if (size > LZ4_BOUND_LEGACY) throw new ParseError(`lz4: legacy block of ${size} bytes is too large`, pos);
    if (pos + 4 + size > end) throw new ParseError('lz4: legacy block runs past the end of the data', pos);
    const n = decodeBlock(await src.read(pos + 4, size), out, 0, pos + 4);
    sink.push(out.slice(0, n));
    pos += 4 + size;
  }
  return pos;
}

/**
 * Decodes one compressed block into out[prefix, …); matches may reach back into out[0, prefix). Returns the bytes
 * written. Throws ParseError on any sequence that reads or writes out of bounds.
 */
export function decodeBlock(src: Uint8Array, out: Uint8Array, prefix: number, at = 0): number {
  const srcEnd = src.length;
  const cap = out.length;
  let ip = 0;
  let op = prefix;
  const bad = (why: string): never => {
    throw new ParseError(`lz4: corrupt block (${why})`, at + ip);
  };
  if (srcEnd === 0) bad('empty block');
  for (;;) {
    if (ip >= srcEnd) bad('block ends after a match; the last sequence must carry literals');
    const token = src[ip++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) bad('literal length runs past the block');
        b = src[ip++];
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > srcEnd) bad('literals run past the block');
    if (op + lit > cap) bad('output exceeds the block size');
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === srcEnd) break; // the last sequence carries literals only
    if (ip + 2 > srcEnd) bad('match offset cut off');
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) bad('match offset outside the window');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) bad('match length runs past the block');
        b = src[ip++];
        len += b;
      } while (b === 255);
    }
    len += MIN_MATCH;
    if (op + len > cap) bad('output exceeds the block size');
    let from = op - offset;
    if (offset >= len) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Overlapping match: repeats the last `offset` bytes.
      for (const stop = op + len; op < stop;) out[op++] = out[from++];
    }
  }
  return op - prefix;
}

// ---------------------------------------------------------------------------------------------------------------
// xxHash32 (the LZ4 frame checksums)
// ---------------------------------------------------------------------------------------------------------------

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

/** Streaming xxHash32 with seed 0. */
class Xxh32 {
  private v = [(P1 + P2) | 0, P2 | 0, 0, (0 - P1) | 0];
  private buf = new Uint8Array(16);
  private held = 0;
  private total = 0;
  private large = false;

  update(data: Uint8Array): void {
    this.total += data.length;
    let i = 0;
    if (this.held) {
      const take = Math.min(16 - this.held, data.length);
      this.buf.set(data.subarray(0, take), this.held);
      this.held += take;
      i = take;
      if (this.held < 16) return;
      this.stripe(this.buf, 0);
      this.held = 0;
    }
    for (; i + 16 <= data.length; i += 16) this.stripe(data, i);
    this.buf.set(data.subarray(i), 0);
    this.held = data.length - i;
  }

  private stripe(b: Uint8Array, at: number): void {
    this.large = true;
    for (let k = 0; k < 4; k++) this.v[k] = round(this.v[k], readU32(b, at + 4 * k));
  }

  digest(): number {
    let h: number;
    if (this.large) {
      const [a, b, c, d] = this.v;
      h = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18)) | 0;
    } else h = P5 | 0;
    h = (h + this.total) | 0;
    let i = 0;
    for (; i + 4 <= this.held; i += 4)
      h = Math.imul(rotl((h + Math.imul(readU32(this.buf, i), P3)) | 0, 17), P4);
    for (; i < this.held; i++) h = Math.imul(rotl((h + Math.imul(this.buf[i], P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** xxHash32 of `data` with seed 0 (the seed all LZ4 checksums use). */
export function xxh32(data: Uint8Array): number {
  const h = new Xxh32();
  h.update(data);
  return h.digest();
}

function readU64(b: Uint8Array, at: number): bigint {
  return (BigInt(readU32(b, at + 4)) << 32n) | BigInt(readU32(b, at));
}
