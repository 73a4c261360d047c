/**
 * Single-stream compression layers: sniffing and bounded decompression.
 *
 * Every decoder writes into a {@link BoundedSink}, which enforces, on the bytes actually produced:
 * - `limits.maxDecompressedBytes` against `budget.decompressed` (a running count of decompressed bytes for the
 *   top-level file; this module adds to it),
 * - `limits.maxCompressionRatio` once the output passes `limits.ratioFloorBytes`,
 * - `budget.deadline` (compared with `Date.now()`),
 * and keeps output in memory up to `limits.inMemoryBytes`, then spills it to a private temporary file that is
 * deleted when the returned source is closed (or when decoding fails).
 *
 * Decoders:
 * - gzip: own member loop (all members, zero padding between members skipped like Python's gzip module),
 *   node:zlib raw inflate per member, CRC32/ISIZE checked (mismatch is an anomaly, not an error).
 * - zlib, joblib's legacy "ZF" header (zfile): node:zlib.
 * - bzip2: seek-bzip, driven block by block so input is read through a bounded window and output is streamed
 *   (multi-stream files decoded like Python's bz2 module).
 * - xz: xz-decompress (streaming wasm). Concatenated streams are split by parsing the xz index backwards from
 *   the end of the file (or, when that fails, by finding each stream's footer going forward), then decoded one
 *   by one. Streams with a SHA-256 (or other non-CRC) check go through 7-Zip (at most
 *   {@link SEVEN_ZIP_MAX_INPUT} bytes).
 * - lzma ("alone" .lzma as joblib writes it, and ZIP method 14): an LZMA1 decoder written here, streaming, with
 *   bounded memory. LZMA-JS is not used: it decompresses whole buffers into a JS array with no output bound, so a
 *   small input can exhaust memory.
 * - zstd: 7-Zip (7z-wasm) with its output streamed through a counting device; the compressed input must fit in
 *   memory (at most {@link SEVEN_ZIP_MAX_INPUT} bytes, else LimitError).
 *
 * - lz4: the frame decoder in ./lz4.ts (linked and independent blocks, checksums checked as anomalies).
 *
 * Anomalies reported on the returned source (`anomalies`): 'trailing-data', 'crc-mismatch', 'checksum-mismatch' (LZ4), 'size-mismatch',
 * 'truncated-trailer', 'xz-unindexed' (no intact xz footer/index: the data was decoded as one stream).
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';

import { BulwarkError, LimitError, ParseError, errorMessage } from '../../core/errors.js';
import type { Limits } from '../../core/limits.js';
import { BufferSource, FileSource, type ByteSource } from '../source.js';
import type { Budget } from '../types.js';
import { pushOnce, readU32 } from './bytes.js';
import { decodeLz4, isLz4Frame } from './lz4.js';

const require = createRequire(import.meta.url);

export type CompressionKind = 'gzip' | 'zlib' | 'zfile' | 'bzip2' | 'xz' | 'lzma' | 'zstd' | 'lz4';

export interface DecodeContext {
  limits: Limits;
  budget: Budget;
}

/** A decompressed source. `anomalies` lists oddities seen while decoding (see the module comment). */
export type DecodedSource = ByteSource & { readonly anomalies: string[] };

/** Largest zstd (or SHA-256-checked xz) input decoded: it is copied into the 7-Zip wasm file system. */
export const SEVEN_ZIP_MAX_INPUT = 256 * 1024 * 1024;

const READ_CHUNK = 1024 * 1024;
const ZLIB_OUT_CHUNK = 256 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Bounded output sink
// ---------------------------------------------------------------------------------------------------------------

/**
 * Collects decoder output under the limits (see the module comment). `push` is synchronous and throws LimitError
 * when a bound is crossed. The sink keeps a reference to pushed chunks: producers must not reuse them.
 */
export class BoundedSink {
  produced = 0;
  /** CRC-32 of everything pushed so far. */
  crc = 0;
  private chunks: Uint8Array[] = [];
  private held = 0;
  private fd: number | null = null;
  private dir: string | null = null;
  private path: string | null = null;
  private closed = false;

  constructor(
    private readonly ctx: DecodeContext,
    /** Compressed size, for the ratio check. */
    private readonly compressedSize: number,
    private readonly label: string,
  ) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.closed) throw new Error('BoundedSink: push after finish');
    const { limits, budget } = this.ctx;
    this.produced += n;
    budget.decompressed += n;
    if (budget.decompressed > limits.maxDecompressedBytes) {
      throw new LimitError(
        'maxDecompressedBytes',
        `${this.label}: decompressed data exceeds the limit of ${limits.maxDecompressedBytes} bytes for this file; raise maxDecompressedBytes to scan it`,
      );
    }
    if (
      this.produced > limits.ratioFloorBytes &&
      this.produced > limits.maxCompressionRatio * Math.max(1, this.compressedSize)
    ) {
      throw new LimitError(
        'maxCompressionRatio',
        `${this.label}: compression ratio exceeds ${limits.maxCompressionRatio}:1 (${this.produced} bytes from ${this.compressedSize}); likely a decompression bomb`,
      );
    }
    if (Date.now() > budget.deadline) {
      throw new LimitError(
        'timeoutMs',
        `${this.label}: time budget for this file ran out while decompressing`,
      );
    }
    this.crc = zlib.crc32(chunk, this.crc);
    if (this.fd === null && this.held + n <= limits.inMemoryBytes) {
      this.chunks.push(chunk);
      this.held += n;
      return;
    }
    if (this.fd === null) this.spill();
    writeFully(this.fd as number, chunk);
  }

  private spill(): void {
    this.dir = mkdtempSync(join(tmpdir(), 'bulwark-'));
    this.path = join(this.dir, 'data');
    this.fd = openSync(this.path, 'wx', 0o600);
    for (const c of this.chunks) writeFully(this.fd, c);
    this.chunks = [];
    this.held = 0;
  }

  /** Hands the output over as a source. The sink must not be used afterwards. */
  async finish(anomalies: string[] = []): Promise<DecodedSource> {
    this.closed = true;
    if (this.fd === null) {
      const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.held);
      this.chunks = [];
      return Object.assign(new BufferSource(data), { anomalies });
    }
    closeSync(this.fd);
    this.fd = null;
    const dir = this.dir as string;
    this.dir = null;
    const cleanup = async (): Promise<void> => {
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const fs = await FileSource.open(this.path as string, cleanup);
      return Object.assign(fs, { anomalies });
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  /** Drops everything (on failure). Safe to call more than once. */
  discard(): void {
    this.closed = true;
    this.chunks = [];
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* ignore */
      }
      this.fd = null;
    }
    if (this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
  }
}

function writeFully(fd: number, chunk: Uint8Array): void {
  let off = 0;
  while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
}

/** Maps whatever a decoder threw to a BulwarkError (ParseError unless it already is one). */
export function toBulwarkError(err: unknown, label: string): BulwarkError {
  if (err instanceof BulwarkError) return err;
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    return new BulwarkError('E_IO', `${label}: ${err.message}`, { cause: err });
  }
  if (err instanceof RangeError && /alloc|memory|too large|Invalid array length/i.test(err.message)) {
    return new LimitError('memory', `${label}: out of memory while decoding (${err.message})`);
  }
  return new ParseError(`${label}: ${errorMessage(err)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Sniffing
// ---------------------------------------------------------------------------------------------------------------

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

function startsWith(head: Uint8Array, bytes: number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[at + i] !== bytes[i]) return false;
  return true;
}

/** Offset of the zlib stream after joblib's legacy "ZF" + hex length header, or -1 when it is not one. */
function zfileDataOffset(head: Uint8Array): number {
  if (head.length < 23 || head[0] !== 0x5a || head[1] !== 0x46) return -1;
  // 'ZF' + hex(length).ljust(19) (20 wide for Python 2 longs: '0x...L'), then maybe one extra space, then zlib.
  const text = Buffer.from(head.subarray(2, 22)).toString('latin1');
  const m = /^0x[0-9a-fA-F]+L? *$/.exec(text.slice(0, 19));
  if (!m) return -1;
  let off = 21;
  while (off < Math.min(head.length, 23) && head[off] === 0x20) off++;
  if (off >= head.length) return -1;
  return isZlibHeader(head, off) ? off : -1;
}

function isZlibHeader(head: Uint8Array, at = 0): boolean {
  if (head.length < at + 2) return false;
  const cmf = head[at];
  const flg = head[at + 1];
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7) return false;
  if ((cmf * 256 + flg) % 31 !== 0) return false;
  if (flg & 0x20) return false; // preset dictionary: not decodable without it
  return true;
}

/** True when a trial inflate of the head does not fail (guards the 2-byte zlib check against false positives). */
function zlibTrial(head: Uint8Array, at = 0): boolean {
  try {
    zlib.inflateSync(head.subarray(at), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: 1 << 20,
    });
    return true;
  } catch (err) {
    return err instanceof RangeError; // output limit hit: it decodes
  }
}

function validLzmaDict(d: number): boolean {
  if (d === 0xffffffff) return true;
  if (d < 4096 || d > 0x60000000) return false;
  // 2^n or 2^n + 2^(n-1), as written by liblzma (xz, Python's lzma, joblib)
  let n = 0;
  while (2 ** (n + 1) <= d) n++;
  return d === 2 ** n || d === 2 ** n + 2 ** (n - 1);
}

/** Heuristic for an LZMA "alone" header (.lzma; joblib writes 5D 00 00 ...) plus a trial decode of the head. */
function looksLikeLzmaAlone(head: Uint8Array): boolean {
  if (head.length < 14) return false;
  const props = head[0];
  if (props >= 225) return false;
  const lc = props % 9;
  const lp = Math.floor(props / 9) % 5;
  if (lc + lp > 4) return false;
  const dict = readU32(head, 1);
  if (!validLzmaDict(dict)) return false;
  let allFF = true;
  for (let i = 5; i < 13; i++) if (head[i] !== 0xff) allFF = false;
  if (!allFF) {
    const size = readU32(head, 5) + readU32(head, 9) * 2 ** 32;
    if (size >= 2 ** 38) return false;
  }
  if (head[13] !== 0) return false; // first range-coder byte is always 0
  return lzmaTrial(head);
}

/**
 * Identifies a compression layer by its magic. 'zfile' is joblib's legacy format ("ZF" + hex length + zlib).
 * zlib and lzma-alone, which have weak magics, are confirmed by a trial decode of the head.
 */
export function sniffCompression(head: Uint8Array): CompressionKind | null {
  if (startsWith(head, [0x1f, 0x8b, 0x08])) return 'gzip';
  if (
    head.length >= 10 &&
    startsWith(head, [0x42, 0x5a, 0x68]) &&
    head[3] >= 0x31 &&
    head[3] <= 0x39 &&
    (startsWith(head, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) ||
      startsWith(head, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4))
  ) {
    return 'bzip2';
  }
  if (startsWith(head, XZ_MAGIC)) return 'xz';
  if (isLz4Frame(head)) return 'lz4';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (head.length >= 8 && (head[0] & 0xf0) === 0x50 && startsWith(head, [0x2a, 0x4d, 0x18], 1)) return 'zstd'; // skippable frame
  if (zfileDataOffset(head) >= 0) return 'zfile';
  if (looksLikeLzmaAlone(head)) return 'lzma';
  if (isZlibHeader(head) && zlibTrial(head)) return 'zlib';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------------------------

/**
 * Decompresses all of `src` as `kind` into a bounded source (memory or a temporary file; close it when done).
 * Throws ParseError on corrupt data, LimitError when a bound is crossed, BulwarkError('E_UNSUPPORTED') when the
 * decoder is not available.
 */
export async function decompressToSource(
  src: ByteSource,
  kind: CompressionKind,
  ctx: DecodeContext,
): Promise<DecodedSource> {
  const sink = new BoundedSink(ctx, src.size, kind);
  try {
    const anomalies = await decodeIntoSink(kind, src, 0, src.size, sink, ctx);
    return await sink.finish(anomalies);
  } catch (err) {
    sink.discard();
    throw toBulwarkError(err, kind);
  }
}

export type DecoderKind = CompressionKind | 'deflate-raw' | 'lzma-zip';

/**
 * Decodes src[offset, offset+length) into `sink`; returns anomalies. 'deflate-raw' and 'lzma-zip' (ZIP method 14:
 * 4-byte version/props-size header, props, raw LZMA) are for ZIP members. Errors are not normalised here.
 */
export async function decodeIntoSink(
  kind: DecoderKind,
  src: ByteSource,
  offset: number,
  length: number,
  sink: BoundedSink,
  ctx: DecodeContext,
  opts: { uncompressedSize?: number } = {},
): Promise<string[]> {
  const anomalies: string[] = [];
  const end = Math.min(src.size, offset + length);
  switch (kind) {
    case 'deflate-raw': {
      const { consumed } = await runZlib(
        zlib.createInflateRaw({ chunkSize: ZLIB_OUT_CHUNK }),
        src,
        offset,
        end,
        sink,
      );
      void consumed;
      break;
    }
    case 'zlib': {
      const { consumed } = await runZlib(
        zlib.createInflate({ chunkSize: ZLIB_OUT_CHUNK }),
        src,
        offset,
        end,
        sink,
      );
      if (offset + consumed < end) anomalies.push('trailing-data');
      break;
    }
    case 'zfile': {
      const head = await src.read(offset, 24);
      const at = zfileDataOffset(head);
      if (at < 0) throw new ParseError('zfile: not a joblib "ZF" header', offset);
      const declared = parseInt(
        Buffer.from(head.subarray(2, 21)).toString('latin1').trim().replace(/L$/, ''),
        16,
      );
      const before = sink.produced;
      const { consumed } = await runZlib(
        zlib.createInflate({ chunkSize: ZLIB_OUT_CHUNK }),
        src,
        offset + at,
        end,
        sink,
      );
      if (offset + at + consumed < end) anomalies.push('trailing-data');
      if (declared !== sink.produced - before) anomalies.push('size-mismatch');
      break;
    }
    case 'gzip':
      await decodeGzip(src, offset, end, sink, ctx, anomalies);
      break;
    case 'bzip2':
      await decodeBzip2(src, offset, end, sink, ctx, anomalies);
      break;
    case 'xz':
      await decodeXz(src, offset, end, sink, anomalies);
      break;
    case 'lzma':
      await decodeLzmaAlone(src, offset, end, sink, ctx, anomalies);
      break;
    case 'lz4':
      await decodeLz4(src, offset, end, sink, anomalies);
      break;
    case 'lzma-zip':
      await decodeLzmaZip(src, offset, end, sink, ctx, opts.uncompressedSize);
      break;
    case 'zstd': {
      if (end - offset > SEVEN_ZIP_MAX_INPUT) {
        throw new LimitError(
          'zstd-input',
          `zstd: compressed input over ${SEVEN_ZIP_MAX_INPUT} bytes is not decoded`,
        );
      }
      const { decodeWith7z } = await import('./sevenzip.js');
      await decodeWith7z('zstd', src, offset, end - offset, sink);
      break;
    }
    default:
      throw new BulwarkError('E_UNSUPPORTED', `unsupported compression ${String(kind)}`);
  }
  return anomalies;
}

// ---------------------------------------------------------------------------------------------------------------
// zlib family
// ---------------------------------------------------------------------------------------------------------------

/**
 * Feeds src[offset, end) to a node:zlib decompressor until it reports the end of its stream or the input runs
 * out; output goes to the sink. Returns the input bytes consumed (trailing bytes are left alone).
 */
function runZlib(
  z: zlib.Inflate | zlib.InflateRaw,
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  tap?: (chunk: Buffer) => void,
): Promise<{ consumed: number }> {
  return new Promise((resolve, reject) => {
    let ended = false;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed || ended) return;
      failed = true;
      z.destroy();
      reject(err);
    };
    z.on('error', fail);
    z.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        sink.push(chunk);
        tap?.(chunk);
      } catch (err) {
        fail(err);
      }
    });
    z.on('end', () => {
      if (failed) return;
      ended = true;
      resolve({ consumed: z.bytesWritten });
    });
    const waitWritable = (): Promise<void> =>
      new Promise((res) => {
        const done = (): void => {
          z.off('drain', done);
          z.off('end', done);
          z.off('close', done);
          res();
        };
        z.on('drain', done);
        z.on('end', done);
        z.on('close', done);
      });
    void (async () => {
      try {
        if (end > offset) {
          for await (const chunk of src.stream(offset, end - offset, READ_CHUNK)) {
            if (ended || failed) break;
            if (!z.write(chunk)) await waitWritable();
          }
        }
        if (!ended && !failed) z.end();
      } catch (err) {
        fail(err);
      }
    })();
  });
}

const FTEXT_FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const GZIP_MAX_FIELD = 1024 * 1024;

/** Parses a gzip member header at `pos`; returns the body offset, or -1 when there is no gzip header there. */
async function gzipHeader(src: ByteSource, pos: number, end: number): Promise<number> {
  const h = await src.read(pos, Math.min(10, end - pos));
  if (h.length < 10 || h[0] !== 0x1f || h[1] !== 0x8b) return -1;
  if (h[2] !== 8) throw new ParseError(`gzip: unknown compression method ${h[2]}`, pos);
  const flg = h[3];
  let p = pos + 10;
  if (flg & FEXTRA) {
    const x = await src.read(p, 2);
    if (x.length < 2) throw new ParseError('gzip: truncated header', p);
    p += 2 + (x[0] | (x[1] << 8));
  }
  for (const bit of [FNAME, FCOMMENT]) {
    if (flg & bit) {
      let found = false;
      const limit = Math.min(end, p + GZIP_MAX_FIELD);
      while (p < limit && !found) {
        const chunk = await src.read(p, Math.min(64 * 1024, limit - p));
        if (chunk.length === 0) break;
        const i = chunk.indexOf(0);
        if (i >= 0) {
          p += i + 1;
          found = true;
        } else p += chunk.length;
      }
      if (!found) throw new ParseError('gzip: unterminated or oversized name/comment field', p);
    }
  }
  if (flg & FTEXT_FHCRC) p += 2;
  if (p > end) throw new ParseError('gzip: truncated header', pos);
  return p;
}

/** Skips NUL bytes from pos; returns the first non-NUL offset (or end). */
async function skipZeros(src: ByteSource, pos: number, end: number): Promise<number> {
  while (pos < end) {
    const chunk = await src.read(pos, Math.min(READ_CHUNK, end - pos));
    if (chunk.length === 0) return end;
    let i = 0;
    while (i < chunk.length && chunk[i] === 0) i++;
    pos += i;
    if (i < chunk.length) return pos;
  }
  return end;
}

async function decodeGzip(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  ctx: DecodeContext,
  anomalies: string[],
): Promise<void> {
  let pos = offset;
  let members = 0;
  while (pos < end) {
    let body: number;
    try {
      body = await gzipHeader(src, pos, end);
    } catch (err) {
      if (members === 0 || !(err instanceof ParseError)) throw err;
      body = -1;
    }
    if (body < 0) {
      if (members === 0) throw new ParseError('gzip: not a gzip stream', pos);
      anomalies.push('trailing-data');
      return;
    }
    if (++members > ctx.limits.maxMembers) {
      throw new LimitError('maxMembers', `gzip: more than ${ctx.limits.maxMembers} members`);
    }
    const before = sink.produced;
    let memberCrc = 0;
    const { consumed } = await runZlib(
      zlib.createInflateRaw({ chunkSize: ZLIB_OUT_CHUNK }),
      src,
      body,
      end,
      sink,
      (c) => (memberCrc = zlib.crc32(c, memberCrc)),
    );
    const size = sink.produced - before;
    const trailerAt = body + consumed;
    const trailer = await src.read(trailerAt, Math.min(8, end - trailerAt));
    if (trailer.length < 8) {
      anomalies.push('truncated-trailer');
      return;
    }
    if (readU32(trailer, 0) !== memberCrc) pushOnce(anomalies, 'crc-mismatch');
    if (readU32(trailer, 4) !== size % 2 ** 32) pushOnce(anomalies, 'size-mismatch');
    pos = await skipZeros(src, trailerAt + 8, end);
  }
  if (members === 0) throw new ParseError('gzip: empty input', offset);
}

// ---------------------------------------------------------------------------------------------------------------
// bzip2 (seek-bzip, driven block by block)
// ---------------------------------------------------------------------------------------------------------------

interface BzStream {
  readByte(): number;
  writeByte(b: number): void;
  read(buf: Uint8Array, off: number, len: number): number;
  seek(pos: number): void;
  eof?: () => boolean;
}
interface BzDecoder {
  _init_block(): boolean;
  _read_bunzip(): number;
  _start_bunzip(input: BzStream, output: BzStream): void;
  reader: { read(bits: number): number };
  streamCRC: number;
}
interface BunzipModule {
  new (input: BzStream, output: BzStream): BzDecoder;
  Stream: new () => BzStream;
}

let bunzipModule: BunzipModule | null = null;
function loadBunzip(): BunzipModule {
  if (!bunzipModule) bunzipModule = require('seek-bzip') as BunzipModule;
  return bunzipModule;
}

/** Input kept this far ahead of the decoder: one bzip2 block is at most ~4.2 MB of compressed data. */
const BZ_WINDOW = 16 * 1024 * 1024;
const BZ_OUT_CHUNK = 1024 * 1024;

class BzWindowExhausted extends Error {}

async function decodeBzip2(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  ctx: DecodeContext,
  anomalies: string[],
): Promise<void> {
  let streams = 1;
  const Bunzip = loadBunzip();
  let buf: Uint8Array = new Uint8Array(0);
  let base = offset; // file offset of buf[0]
  let pos = offset; // next byte for the decoder
  const fill = async (ahead: number): Promise<void> => {
    const want = Math.min(end, pos + ahead);
    const have = base + buf.length;
    if (have >= want) return;
    const keep = buf.subarray(pos - base);
    const more = await src.read(have, want - have);
    const next = new Uint8Array(keep.length + more.length);
    next.set(keep, 0);
    next.set(more, keep.length);
    buf = next;
    base = pos;
    if (more.length < want - have) end = base + buf.length; // source shorter than claimed
  };
  const input = new Bunzip.Stream();
  input.readByte = (): number => {
    const i = pos - base;
    if (i < buf.length) {
      pos++;
      return buf[i];
    }
    if (pos >= end) throw new ParseError('bzip2: unexpected end of input', pos);
    throw new BzWindowExhausted('bzip2: block larger than the input window');
  };
  let out = new Uint8Array(BZ_OUT_CHUNK);
  let outPos = 0;
  const flush = (): void => {
    if (outPos === 0) return;
    const chunk = out.subarray(0, outPos);
    out = new Uint8Array(BZ_OUT_CHUNK);
    outPos = 0;
    sink.push(chunk);
  };
  const output = new Bunzip.Stream();
  output.writeByte = (b: number): void => {
    out[outPos++] = b;
    if (outPos === BZ_OUT_CHUNK) flush();
  };

  const isStreamStart = async (): Promise<boolean> => {
    await fill(10);
    const i = pos - base;
    return (
      buf.length - i >= 4 &&
      buf[i] === 0x42 &&
      buf[i + 1] === 0x5a &&
      buf[i + 2] === 0x68 &&
      buf[i + 3] >= 0x31 &&
      buf[i + 3] <= 0x39
    );
  };
  if (!(await isStreamStart())) throw new ParseError('bzip2: bad magic', offset);
  await fill(BZ_WINDOW);
  let bz: BzDecoder;
  try {
    bz = new Bunzip(input, output);
  } catch (err) {
    throw bzError(err, pos);
  }
  for (;;) {
    await fill(BZ_WINDOW);
    let more: boolean;
    try {
      more = bz._init_block();
      if (more) bz._read_bunzip();
    } catch (err) {
      throw bzError(err, pos);
    }
    flush();
    if (more) continue;
    // end of stream: 32-bit combined CRC, then pad to a byte boundary
    try {
      const crc = bz.reader.read(32) >>> 0;
      if (crc !== bz.streamCRC >>> 0) pushOnce(anomalies, 'crc-mismatch');
    } catch (err) {
      throw bzError(err, pos);
    }
    if (pos >= end) return;
    if (!(await isStreamStart())) {
      if ((await skipZeros(src, pos, end)) < end) anomalies.push('trailing-data');
      return;
    }
    if (++streams > ctx.limits.maxMembers) {
      throw new LimitError('maxMembers', `bzip2: more than ${ctx.limits.maxMembers} streams`);
    }
    await fill(BZ_WINDOW);
    try {
      bz._start_bunzip(input, output);
    } catch (err) {
      throw bzError(err, pos);
    }
  }
}

function bzError(err: unknown, pos: number): BulwarkError {
  if (err instanceof BulwarkError) return err;
  if (err instanceof BzWindowExhausted) return new ParseError(err.message, pos);
  return new ParseError(`bzip2: ${errorMessage(err)}`, pos);
}

// ---------------------------------------------------------------------------------------------------------------
// xz (xz-decompress wasm; multi-stream split by parsing indexes backwards)
// ---------------------------------------------------------------------------------------------------------------

interface XzModule {
  XzReadableStream: new (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}
let xzModule: XzModule | null = null;
function loadXz(): XzModule {
  if (!xzModule) xzModule = require('xz-decompress') as XzModule;
  return xzModule;
}

const XZ_MAX_INDEX = 64 * 1024 * 1024;

function readVli(buf: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= buf.length) return null;
    const b = buf[at + i];
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) return null; // non-minimal encoding
      if (!Number.isSafeInteger(value)) return null;
      return { value, next: at + i + 1 };
    }
  }
  return null;
}

/** Splits [offset, end) into xz streams by reading footers and indexes backwards; null when that fails. */
export async function splitXzStreams(
  src: ByteSource,
  offset: number,
  end: number,
  single = false,
): Promise<Array<{ start: number; end: number }> | null> {
  const streams: Array<{ start: number; end: number }> = [];
  let pos = end;
  while (pos > offset) {
    if (streams.length > 100_000) return null;
    // stream padding: zero bytes in groups of four
    while (!single && pos - 4 >= offset) {
      const chunkLen = Math.min(READ_CHUNK - (READ_CHUNK % 4), pos - offset - ((pos - offset) % 4));
      if (chunkLen <= 0) break;
      const chunk = await src.read(pos - chunkLen, chunkLen);
      let k = chunk.length;
      while (k >= 4 && chunk[k - 1] === 0 && chunk[k - 2] === 0 && chunk[k - 3] === 0 && chunk[k - 4] === 0)
        k -= 4;
      pos -= chunk.length - k;
      if (k > 0) break;
    }
    if (pos - offset < 12 + 12 + 8) return null;
    const footer = await src.read(pos - 12, 12);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) return null;
    if (zlib.crc32(footer.subarray(4, 10)) !== readU32(footer, 0)) return null;
    const indexSize = (readU32(footer, 4) + 1) * 4;
    if (indexSize > XZ_MAX_INDEX) return null;
    const indexStart = pos - 12 - indexSize;
    if (indexStart < offset + 12) return null;
    const index = await src.read(indexStart, indexSize);
    if (index.length !== indexSize || index[0] !== 0) return null;
    if (zlib.crc32(index.subarray(0, indexSize - 4)) !== readU32(index, indexSize - 4)) return null;
    let v = readVli(index, 1);
    if (!v) return null;
    const count = v.value;
    let at = v.next;
    let blocks = 0;
    for (let i = 0; i < count; i++) {
      const unpadded = readVli(index, at);
      if (!unpadded) return null;
      v = readVli(index, unpadded.next);
      if (!v) return null;
      at = v.next;
      blocks += Math.ceil(unpadded.value / 4) * 4;
      if (blocks > end) return null;
    }
    const streamStart = indexStart - blocks - 12;
    if (streamStart < offset) return null;
    const header = await src.read(streamStart, 12);
    if (!startsWith(header, XZ_MAGIC) || header[6] !== footer[8] || header[7] !== footer[9]) return null;
    streams.unshift({ start: streamStart, end: pos });
    pos = streamStart;
    if (single) break;
  }
  return streams;
}

async function decodeXzStream(src: ByteSource, start: number, end: number, sink: BoundedSink): Promise<void> {
  const { XzReadableStream } = loadXz();
  const it = src.stream(start, end - start, READ_CHUNK);
  const input = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
  const reader = new XzReadableStream(input).getReader();
  for (;;) {
    let r: Awaited<ReturnType<typeof reader.read>>;
    try {
      r = await reader.read();
    } catch (err) {
      throw new ParseError(`xz: ${errorMessage(err)}`, start);
    }
    if (r.done) return;
    try {
      sink.push(r.value);
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Finds the end of the xz stream that starts at `start` by looking forward for a stream footer ('YZ') whose CRC,
 * index and header all agree with a stream beginning at `start`. Returns -1 when there is none.
 */
async function findXzStreamEnd(src: ByteSource, start: number, end: number): Promise<number> {
  let pos = start + 12;
  let tries = 0;
  while (pos < end) {
    const chunk = await src.read(pos, Math.min(READ_CHUNK + 1, end - pos));
    if (chunk.length < 2) return -1;
    for (let i = chunk.indexOf(0x59); i >= 0 && i + 1 < chunk.length; i = chunk.indexOf(0x59, i + 1)) {
      const footerEnd = pos + i + 2;
      if (chunk[i + 1] !== 0x5a || (footerEnd - start) % 4 !== 0 || footerEnd - start < 32) continue;
      if (++tries > 4096) return -1; // hostile input full of fake footers
      const streams = await splitXzStreams(src, start, footerEnd, true);
      if (streams && streams.length === 1 && streams[0].start === start) return footerEnd;
    }
    if (chunk.length < READ_CHUNK + 1) return -1;
    pos += READ_CHUNK;
  }
  return -1;
}

async function decodeXz(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  anomalies: string[],
): Promise<void> {
  const head = await src.read(offset, 6);
  if (!startsWith(head, XZ_MAGIC)) throw new ParseError('xz: bad magic', offset);
  let streams = await splitXzStreams(src, offset, end);
  if (!streams) {
    // trailing data or damage: walk forward stream by stream
    streams = [];
    let pos = offset;
    while (pos < end) {
      const h = await src.read(pos, 6);
      if (!startsWith(h, XZ_MAGIC)) {
        anomalies.push('trailing-data');
        break;
      }
      const streamEnd = await findXzStreamEnd(src, pos, end);
      if (streamEnd < 0) {
        // no intact footer: decode what is there (it fails if the stream is truncated)
        streams.push({ start: pos, end });
        anomalies.push('xz-unindexed');
        break;
      }
      streams.push({ start: pos, end: streamEnd });
      pos = streamEnd;
      const next = await skipZeros(src, pos, end);
      if ((next - pos) % 4 !== 0) {
        anomalies.push('trailing-data');
        break;
      }
      pos = next;
    }
  }
  for (const s of streams) {
    const header = await src.read(s.start, 12);
    const check = header[7] & 0x0f;
    if (check === 0 || check === 1 || check === 4) {
      await decodeXzStream(src, s.start, s.end, sink);
    } else {
      // integrity checks other than none/CRC32/CRC64 (e.g. SHA-256): xz-embedded cannot; 7-Zip can
      if (s.end - s.start > SEVEN_ZIP_MAX_INPUT) {
        throw new LimitError(
          'xz-input',
          `xz: stream with check type ${check} over ${SEVEN_ZIP_MAX_INPUT} bytes`,
        );
      }
      const { decodeWith7z } = await import('./sevenzip.js');
      await decodeWith7z('xz', src, s.start, s.end - s.start, sink);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// LZMA1 decoder (for .lzma "alone" files and ZIP method 14)
// ---------------------------------------------------------------------------------------------------------------

/** Largest LZMA history window kept in memory; larger dictionaries are refused once output grows past it. */
export const LZMA_MAX_WINDOW = 1024 * 1024 * 1024;
/** Input bytes that always suffice to decode one LZMA packet. */
const LZMA_PACKET_INPUT = 64;
const LZMA_OUT_CHUNK = 1024 * 1024;
const LZMA_END_MARKER = 0xffffffff;

class LzmaCorrupt extends Error {}

/** A streaming LZMA1 decoder: input is supplied in pieces, output goes to `emit` in fresh chunks. */
class LzmaDecoder {
  private readonly lc: number;
  private readonly lp: number;
  private readonly pbMask: number;
  private readonly lpMask: number;
  private readonly dictSize: number;
  private readonly literal: Uint16Array;
  private readonly isMatch = new Uint16Array(192).fill(1024);
  private readonly isRep = new Uint16Array(12).fill(1024);
  private readonly isRepG0 = new Uint16Array(12).fill(1024);
  private readonly isRepG1 = new Uint16Array(12).fill(1024);
  private readonly isRepG2 = new Uint16Array(12).fill(1024);
  private readonly isRep0Long = new Uint16Array(192).fill(1024);
  private readonly posSlot = new Uint16Array(256).fill(1024);
  private readonly specPos = new Uint16Array(115).fill(1024);
  private readonly align = new Uint16Array(16).fill(1024);
  private readonly lenProbs = new Uint16Array(514).fill(1024);
  private readonly repLenProbs = new Uint16Array(514).fill(1024);
  // range and code are uint32 values kept in int32 variables (fast small integers); compare them unsigned
  // by flipping the sign bit.
  private range = -1;
  private code = 0;
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;
  private window: Uint8Array;
  private winPos = 0;
  private isFull = false;
  /** Bytes output so far. */
  total = 0;
  private out = new Uint8Array(LZMA_OUT_CHUNK);
  private outPos = 0;
  input: Uint8Array = new Uint8Array(0);
  inPos = 0;
  private overread = false;
  started = false;
  finished = false;
  sawEndMarker = false;
  /** The known uncompressed size was reached (an end marker may still follow). */
  reachedSize = false;
  private probing = false;

  constructor(
    props: number,
    dictSize: number,
    private readonly knownSize: number | null,
    private readonly emit: (chunk: Uint8Array) => void,
  ) {
    if (props >= 225) throw new LzmaCorrupt('invalid properties byte');
    this.lc = props % 9;
    const rest = Math.floor(props / 9);
    this.lp = rest % 5;
    const pb = Math.floor(rest / 5);
    this.pbMask = (1 << pb) - 1;
    this.lpMask = (1 << this.lp) - 1;
    this.dictSize = Math.max(4096, dictSize);
    this.literal = new Uint16Array(0x300 << (this.lc + this.lp)).fill(1024);
    let initial = Math.min(this.dictSize, 1 << 16);
    if (knownSize !== null) initial = Math.max(4096, Math.min(initial, knownSize));
    this.window = new Uint8Array(initial);
  }

  /** Reads the 5 range-coder init bytes. */
  init(): void {
    if (this.nextByte() !== 0) throw new LzmaCorrupt('first range coder byte is not 0');
    let code = 0;
    for (let i = 0; i < 4; i++) code = (code << 8) | this.nextByte();
    if (this.overread) throw new ParseError('lzma: truncated stream');
    if (code === -1) throw new LzmaCorrupt('bad range coder init');
    this.code = code;
    this.started = true;
  }

  private nextByte(): number {
    if (this.inPos < this.input.length) return this.input[this.inPos++];
    this.overread = true;
    return 0;
  }

  private normalize(): void {
    if ((this.range & 0xff000000) === 0) {
      this.range <<= 8;
      this.code = (this.code << 8) | this.nextByte();
    }
  }

  private bit(probs: Uint16Array, i: number): number {
    const p = probs[i];
    const bound = Math.imul(this.range >>> 11, p);
    let b: number;
    if ((this.code ^ 0x80000000) < (bound ^ 0x80000000)) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range = (this.range - bound) | 0;
      this.code = (this.code - bound) | 0;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    if ((this.range & 0xff000000) === 0) {
      this.range <<= 8;
      this.code = (this.code << 8) | this.nextByte();
    }
    return b;
  }

  private bitTree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    for (let i = 0; i < numBits; i++) m = (m << 1) + this.bit(probs, base + m);
    return m - (1 << numBits);
  }

  private reverseBitTree(probs: Uint16Array, base: number, numBits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < numBits; i++) {
      const b = this.bit(probs, base + m);
      m = (m << 1) + b;
      sym |= b << i;
    }
    return sym;
  }

  private directBits(numBits: number): number {
    let res = 0;
    for (let i = 0; i < numBits; i++) {
      this.range = this.range >>> 1;
      let b = 0;
      if ((this.code ^ 0x80000000) >= (this.range ^ 0x80000000)) {
        this.code = (this.code - this.range) | 0;
        b = 1;
      }
      res = res * 2 + b;
      this.normalize();
    }
    return res;
  }

  private decodeLen(probs: Uint16Array, posState: number): number {
    if (this.bit(probs, 0) === 0) return this.bitTree(probs, 2 + (posState << 3), 3);
    if (this.bit(probs, 1) === 0) return 8 + this.bitTree(probs, 130 + (posState << 3), 3);
    return 16 + this.bitTree(probs, 258, 8);
  }

  private decodeDistance(len: number): number {
    const lenState = len < 4 ? len : 3;
    const posSlot = this.bitTree(this.posSlot, lenState << 6, 6);
    if (posSlot < 4) return posSlot;
    const numDirect = (posSlot >>> 1) - 1;
    let dist = (2 | (posSlot & 1)) * 2 ** numDirect;
    if (posSlot < 14) {
      dist += this.reverseBitTree(this.specPos, dist - posSlot, numDirect);
    } else {
      dist += this.directBits(numDirect - 4) * 16;
      dist += this.reverseBitTree(this.align, 0, 4);
    }
    return dist;
  }

  private getByte(dist: number): number {
    let i = this.winPos - dist - 1;
    if (i < 0) i += this.window.length;
    return this.window[i];
  }

  private putByte(b: number): void {
    if (this.probing) throw new LzmaCorrupt('data after the declared size');
    this.window[this.winPos++] = b;
    if (this.winPos === this.window.length) this.windowFull();
    this.out[this.outPos++] = b;
    this.total++;
    if (this.outPos === LZMA_OUT_CHUNK) this.flush();
  }

  /** The write position reached the end of the window: grow it (up to the dictionary size) or wrap around. */
  private windowFull(): void {
    if (this.window.length < this.dictSize) {
      const cap = Math.min(this.dictSize, this.window.length * 2);
      if (cap > LZMA_MAX_WINDOW) {
        throw new LimitError(
          'lzma-dictionary',
          `lzma: dictionary of ${this.dictSize} bytes needs more than ${LZMA_MAX_WINDOW} bytes of history`,
        );
      }
      const next = new Uint8Array(cap);
      next.set(this.window, 0);
      this.window = next;
    } else {
      this.winPos = 0;
      this.isFull = true;
    }
  }

  /** Copies `n` bytes from `dist + 1` bytes back, in runs that stay inside the window and the output chunk. */
  private copyMatch(dist: number, n: number): void {
    if (this.probing) throw new LzmaCorrupt('data after the declared size');
    while (n > 0) {
      const w = this.window;
      let from = this.winPos - dist - 1;
      if (from < 0) from += w.length;
      const run = Math.min(n, w.length - this.winPos, w.length - from, LZMA_OUT_CHUNK - this.outPos);
      const o = this.out;
      let to = this.winPos;
      let op = this.outPos;
      for (let i = 0; i < run; i++) {
        const b = w[from + i];
        w[to++] = b;
        o[op++] = b;
      }
      this.winPos = to;
      this.outPos = op;
      this.total += run;
      n -= run;
      if (this.winPos === w.length) this.windowFull();
      if (this.outPos === LZMA_OUT_CHUNK) this.flush();
    }
  }

  flush(): void {
    if (this.outPos === 0) return;
    const chunk = this.out.subarray(0, this.outPos);
    this.out = new Uint8Array(LZMA_OUT_CHUNK);
    this.outPos = 0;
    this.emit(chunk);
  }

  private distanceOk(dist: number): boolean {
    return dist < this.dictSize && (this.isFull || dist < this.total);
  }

  private packet(): void {
    const posState = this.total & this.pbMask;
    const st = this.state;
    if (this.bit(this.isMatch, (st << 4) + posState) === 0) {
      const prev = this.total > 0 ? this.getByte(0) : 0;
      const litState = ((this.total & this.lpMask) << this.lc) + (prev >>> (8 - this.lc));
      const base = 0x300 * litState;
      const probs = this.literal;
      let symbol = 1;
      if (st >= 7) {
        let matchByte = this.getByte(this.rep0);
        do {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const b = this.bit(probs, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | b;
          if (matchBit !== b) break;
        } while (symbol < 0x100);
      }
      while (symbol < 0x100) symbol = (symbol << 1) | this.bit(probs, base + symbol);
      this.putByte(symbol - 0x100);
      this.state = st < 4 ? 0 : st < 10 ? st - 3 : st - 6;
      return;
    }
    let len: number;
    if (this.bit(this.isRep, st) !== 0) {
      if (this.total === 0) throw new LzmaCorrupt('repeat match before any output');
      if (this.bit(this.isRepG0, st) === 0) {
        if (this.bit(this.isRep0Long, (st << 4) + posState) === 0) {
          this.state = st < 7 ? 9 : 11;
          if (!this.distanceOk(this.rep0)) throw new LzmaCorrupt('distance out of range');
          this.putByte(this.getByte(this.rep0));
          return;
        }
      } else {
        let dist: number;
        if (this.bit(this.isRepG1, st) === 0) {
          dist = this.rep1;
        } else {
          if (this.bit(this.isRepG2, st) === 0) {
            dist = this.rep2;
          } else {
            dist = this.rep3;
            this.rep3 = this.rep2;
          }
          this.rep2 = this.rep1;
        }
        this.rep1 = this.rep0;
        this.rep0 = dist;
      }
      len = this.decodeLen(this.repLenProbs, posState);
      this.state = st < 7 ? 8 : 11;
    } else {
      this.rep3 = this.rep2;
      this.rep2 = this.rep1;
      this.rep1 = this.rep0;
      len = this.decodeLen(this.lenProbs, posState);
      this.state = st < 7 ? 7 : 10;
      this.rep0 = this.decodeDistance(len);
      if (this.rep0 === LZMA_END_MARKER) {
        this.finished = true;
        this.sawEndMarker = true;
        return;
      }
    }
    if (!this.distanceOk(this.rep0)) throw new LzmaCorrupt('distance out of range');
    let n = len + 2;
    if (this.knownSize !== null) n = Math.min(n, this.knownSize - this.total);
    this.copyMatch(this.rep0, n);
  }

  /**
   * After the declared size was reached: consumes an optional end marker (liblzma accepts one). Returns false,
   * with the input position unchanged, when what follows is not an end marker.
   */
  consumeEndMarker(): boolean {
    const save = { inPos: this.inPos, range: this.range, code: this.code };
    this.probing = true;
    try {
      this.packet();
      if (this.sawEndMarker && !this.overread) return true;
    } catch {
      /* not an end marker */
    } finally {
      this.probing = false;
    }
    this.inPos = save.inPos;
    this.range = save.range;
    this.code = save.code;
    this.overread = false;
    this.sawEndMarker = false;
    return false;
  }

  /** Decodes while enough input is buffered (or to the end when `inputDone`). */
  run(inputDone: boolean): void {
    while (!this.finished) {
      if (this.knownSize !== null && this.total >= this.knownSize) {
        this.finished = true;
        this.reachedSize = true;
        break;
      }
      if (!inputDone && this.input.length - this.inPos < LZMA_PACKET_INPUT) return;
      this.packet();
      if (this.overread) throw new ParseError('lzma: truncated stream');
    }
  }
}

/** Drives an LzmaDecoder over src[pos, end). Returns the offset after the consumed input. */
async function runLzma(
  dec: LzmaDecoder,
  src: ByteSource,
  pos: number,
  end: number,
  ctx: DecodeContext,
): Promise<number> {
  let next = pos;
  for (;;) {
    const remaining = dec.input.length - dec.inPos;
    if (remaining < 4 * LZMA_PACKET_INPUT && next < end) {
      const chunk = await src.read(next, Math.min(READ_CHUNK, end - next));
      if (chunk.length === 0) end = next;
      next += chunk.length;
      const merged = new Uint8Array(remaining + chunk.length);
      merged.set(dec.input.subarray(dec.inPos), 0);
      merged.set(chunk, remaining);
      dec.input = merged;
      dec.inPos = 0;
    }
    const inputDone = next >= end;
    try {
      if (!dec.started) {
        if (!inputDone && dec.input.length - dec.inPos < 5) continue;
        dec.init();
      }
      dec.run(inputDone);
    } catch (err) {
      if (err instanceof LzmaCorrupt) throw new ParseError(`lzma: corrupt data (${err.message})`);
      throw err;
    }
    if (dec.finished) {
      if (dec.reachedSize && dec.input.length > dec.inPos) dec.consumeEndMarker();
      break;
    }
    if (Date.now() > ctx.budget.deadline) {
      throw new LimitError('timeoutMs', 'lzma: time budget for this file ran out while decompressing');
    }
  }
  dec.flush();
  return next - (dec.input.length - dec.inPos);
}

class TrialDone extends Error {}

/** Decodes the head of a candidate .lzma stream: false when the data is corrupt (not LZMA). */
function lzmaTrial(head: Uint8Array): boolean {
  try {
    let out = 0;
    const dec = new LzmaDecoder(head[0], readU32(head, 1), null, (c) => {
      out += c.length;
      if (out > 256 * 1024) throw new TrialDone();
    });
    dec.input = head.subarray(13);
    dec.init();
    try {
      dec.run(true);
      dec.flush();
    } catch (err) {
      if (err instanceof LzmaCorrupt) return false;
      // truncated (only the head is here), enough output, or a limit: it decodes
    }
    return true;
  } catch {
    return false;
  }
}

async function decodeLzmaAlone(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  ctx: DecodeContext,
  anomalies: string[],
): Promise<void> {
  let pos = offset;
  let streams = 0;
  while (pos < end) {
    const h = await src.read(pos, 13);
    if (h.length < 13 || h[0] >= 225 || (streams > 0 && !looksLikeLzmaAlone(await src.read(pos, 4096)))) {
      if (streams === 0) throw new ParseError('lzma: truncated or invalid header', pos);
      anomalies.push('trailing-data');
      return;
    }
    if (streams >= ctx.limits.maxMembers) {
      throw new LimitError('maxMembers', `lzma: more than ${ctx.limits.maxMembers} streams`);
    }
    const dict = readU32(h, 1);
    let known: number | null = null;
    let allFF = true;
    for (let i = 5; i < 13; i++) if (h[i] !== 0xff) allFF = false;
    if (!allFF) {
      known = readU32(h, 5) + readU32(h, 9) * 2 ** 32;
      if (!Number.isSafeInteger(known)) throw new ParseError('lzma: uncompressed size out of range', pos);
    }
    let dec: LzmaDecoder;
    try {
      dec = new LzmaDecoder(h[0], dict, known, (c) => sink.push(c));
    } catch (err) {
      if (err instanceof LzmaCorrupt) throw new ParseError(`lzma: ${err.message}`, pos);
      throw err;
    }
    pos = await runLzma(dec, src, pos + 13, end, ctx);
    streams++;
    if (known === null && !dec.sawEndMarker) throw new ParseError('lzma: missing end marker', pos);
  }
  if (streams === 0) throw new ParseError('lzma: empty input', offset);
}

async function decodeLzmaZip(
  src: ByteSource,
  offset: number,
  end: number,
  sink: BoundedSink,
  ctx: DecodeContext,
  uncompressedSize: number | undefined,
): Promise<void> {
  const h = await src.read(offset, 4);
  if (h.length < 4) throw new ParseError('zip lzma: truncated header', offset);
  const propsSize = h[2] | (h[3] << 8);
  if (propsSize < 5) throw new ParseError('zip lzma: bad properties size', offset);
  const props = await src.read(offset + 4, 5);
  if (props.length < 5) throw new ParseError('zip lzma: truncated properties', offset);
  let dec: LzmaDecoder;
  try {
    dec = new LzmaDecoder(props[0], readU32(props, 1), uncompressedSize ?? null, (c) => sink.push(c));
  } catch (err) {
    if (err instanceof LzmaCorrupt) throw new ParseError(`zip lzma: ${err.message}`, offset);
    throw err;
  }
  await runLzma(dec, src, offset + 4 + propsSize, end, ctx);
}

// ---------------------------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------------------------
