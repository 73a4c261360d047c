/**
 * A tolerant ZIP reader, at least as forgiving as PyTorch's loader (miniz) and Python's zipfile, so that every
 * member a loader could read is also seen by the scanner.
 *
 * Listing ({@link readZip}):
 * - central directory (CD) from the end-of-central-directory record (EOCD) found in the last 64 KiB + 22 bytes,
 *   ZIP64 locator/record and ZIP64 extra fields (offsets and sizes over 4 GiB), prepended data (offset bias);
 * - every CD entry's local header is read: `dataOffset` comes from the LOCAL header's own name/extra lengths (as
 *   PyTorch computes it); local/central differences are anomalies, never errors;
 * - the bytes not covered by CD entries (or the whole file when there is no usable CD) are scanned for local
 *   headers ("PK\x03\x04"); those entries are added with the 'local-only' anomaly. Entries with unknown sizes
 *   (data descriptor, sizes 0) are delimited by a matching data descriptor, else by the next signature.
 * - ParseError is thrown only when there is no ZIP structure at all; LimitError past `maxMembers`.
 *
 * Reading ({@link openZipEntry}): stored members are windows of the source (no copy, nothing read); deflate,
 * bzip2 (12), LZMA (14), xz (95) and zstd (93) are decompressed under the limits (see compress.ts). Flag bits are
 * ignored when reading, like PyTorch does (an "encrypted" member is read anyway; real ciphertext then fails to
 * inflate, or shows a CRC mismatch). A stored member whose compressed size is its size + 12 and that is flagged
 * encrypted is real ZipCrypto ciphertext: ParseError. CRC-32 is computed while decompressing and a mismatch is
 * recorded as the 'crc-mismatch' anomaly on the entry; it never stops reading (CVE-2025-10156). For stored
 * members call {@link checkZipEntryCrc} once the data has been consumed, if wanted.
 *
 * Entry anomalies: 'local-name-mismatch', 'flag-bits:0x..' (bits other than 0x2/0x4/0x8/0x800), 'data-descriptor',
 * 'local-only', 'cd-only' (no valid local header where the CD points), 'overlapping-entries', 'size-mismatch',
 * 'method-mismatch', 'flag-mismatch', 'local-crc-mismatch', 'crc-mismatch' (after reading), 'duplicate-name',
 * 'unsafe-path:<kind>', 'data-out-of-bounds', 'size-unknown', 'directory-with-data', 'name-encoding',
 * 'extra-field-malformed'.
 * Listing anomalies: 'no-central-directory', 'central-directory-corrupt', 'entry-count-mismatch', 'prefix-data',
 * 'eocd-comment-mismatch', 'multi-disk', 'local-only-entries', 'overlapping-entries', 'duplicate-names',
 * 'signature-scan-truncated'.
 */
import zlib from 'node:zlib';

import { BulwarkError, LimitError, ParseError } from '../../core/errors.js';
import type { Limits } from '../../core/limits.js';
import { SliceSource, type ByteSource } from '../source.js';
import type { Budget } from '../types.js';
import { isUnsafeMemberPath } from './archive-safety.js';
import { pushOnce } from './bytes.js';
import { BoundedSink, decodeIntoSink, toBulwarkError, type DecoderKind } from './compress.js';

export interface ZipEntry {
  /** Central-directory name (for local-only entries: the local name). */
  name: string;
  rawName: Uint8Array;
  /** Name in the local header; null when there is no valid local header. */
  localName: string | null;
  method: number;
  /** General-purpose flags (central | local). */
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  localHeaderOffset: number;
  /** Start of the member data (from the local header's own lengths); -1 when there is no valid local header. */
  dataOffset: number;
  isDirectory: boolean;
  /** Unix mode in the external attributes says S_IFLNK. Loaders such as torch.load ignore this. */
  isSymlink: boolean;
  /** Flag bit 0. Reported, but ignored when reading (like PyTorch). */
  encrypted: boolean;
  externalAttributes: number;
  versionMadeBy: number;
  origin: 'central' | 'local';
  anomalies: string[];
}

export interface ZipListing {
  entries: ZipEntry[];
  anomalies: string[];
  centralDirectoryFound: boolean;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

/** Flag bits that are normal: deflate/lzma options (0x2, 0x4), data descriptor (0x8), UTF-8 names (0x800). */
const NORMAL_FLAGS = 0x080e;
const KNOWN_METHODS = new Set([
  0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 18, 19, 20, 93, 94, 95, 96, 97, 98, 99,
]);
const MAX_SIGNATURES = 1_000_000;
const SCAN_CHUNK = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// byte helpers
// ---------------------------------------------------------------------------------------------------------------

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}
/** 64-bit little endian; null when it does not fit a safe integer. */
function u64(b: Uint8Array, at: number): number | null {
  const v = u32(b, at + 4) * 2 ** 32 + u32(b, at);
  return Number.isSafeInteger(v) ? v : null;
}

/** Caches one window of the source so that many small reads near each other cost one read. */
class Reader {
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;
  constructor(
    private readonly src: ByteSource,
    private readonly window: number,
  ) {}
  /** Up to `length` bytes at `offset` (fewer at the end of the source). */
  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.base && offset + length <= this.base + this.buf.length) {
      return this.buf.subarray(offset - this.base, offset - this.base + length);
    }
    if (offset < 0 || offset >= this.src.size) return new Uint8Array(0);
    this.buf = await this.src.read(offset, Math.max(length, this.window));
    this.base = offset;
    return this.buf.subarray(0, Math.min(length, this.buf.length));
  }
}

function sigAt(b: Uint8Array, at: number, sig: number): boolean {
  return b.length >= at + 4 && u32(b, at) === sig;
}

// ---------------------------------------------------------------------------------------------------------------
// names
// ---------------------------------------------------------------------------------------------------------------

const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Loose = new TextDecoder('utf-8');

/** Decodes a name as Python's zipfile does: UTF-8 when flag bit 11 is set, else CP437. */
function decodeName(raw: Uint8Array, utf8: boolean): { name: string; bad: boolean } {
  let ascii = true;
  for (let i = 0; i < raw.length; i++) if (raw[i] >= 0x80) ascii = false;
  if (ascii) return { name: Buffer.from(raw).toString('latin1'), bad: false };
  if (utf8) {
    try {
      return { name: utf8Strict.decode(raw), bad: false };
    } catch {
      return { name: utf8Loose.decode(raw), bad: true };
    }
  }
  let s = '';
  for (let i = 0; i < raw.length; i++)
    s += raw[i] < 0x80 ? String.fromCharCode(raw[i]) : CP437_HIGH[raw[i] - 0x80];
  return { name: s, bad: false };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// extra fields
// ---------------------------------------------------------------------------------------------------------------

interface Zip64Values {
  uncompressed?: number;
  compressed?: number;
  offset?: number;
}

/**
 * Reads the ZIP64 extra field (0x0001). Its values appear, in order, only for the fields that are saturated in
 * the fixed header (uncompressed size, compressed size, local header offset, disk).
 */
function parseZip64Extra(
  extra: Uint8Array,
  need: { uncompressed: boolean; compressed: boolean; offset: boolean },
  anomalies: string[],
): Zip64Values {
  const out: Zip64Values = {};
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = u16(extra, p);
    const size = u16(extra, p + 2);
    if (p + 4 + size > extra.length) {
      pushOnce(anomalies, 'extra-field-malformed');
      break;
    }
    if (id === 0x0001) {
      let q = p + 4;
      const end = p + 4 + size;
      const take = (): number | undefined => {
        if (q + 8 > end) {
          pushOnce(anomalies, 'extra-field-malformed');
          return undefined;
        }
        const v = u64(extra, q);
        q += 8;
        if (v === null) {
          pushOnce(anomalies, 'extra-field-malformed');
          return undefined;
        }
        return v;
      };
      if (need.uncompressed) out.uncompressed = take();
      if (need.compressed) out.compressed = take();
      if (need.offset) out.offset = take();
      return out;
    }
    p += 4 + size;
  }
  return out;
}

function flagAnomalies(flags: number, anomalies: string[]): void {
  const odd = flags & ~NORMAL_FLAGS;
  if (odd) pushOnce(anomalies, `flag-bits:0x${odd.toString(16)}`);
  if (flags & 0x8) pushOnce(anomalies, 'data-descriptor');
}

// ---------------------------------------------------------------------------------------------------------------
// end of central directory
// ---------------------------------------------------------------------------------------------------------------

interface CdLocation {
  cdStart: number;
  /** Declared CD size. */
  cdSize: number;
  /** Where the CD must end at the latest (ZIP64 record or EOCD). */
  cdEnd: number;
  /** Added to every offset stored in the archive (data prepended to the archive). */
  bias: number;
  total: number;
  /** End of the EOCD record and its comment: bytes after it are scanned for local headers. */
  afterEocd: number;
  anomalies: string[];
}

async function tryEocd(src: ByteSource, eocd: Uint8Array, eocdPos: number): Promise<CdLocation | null> {
  const size = src.size;
  const anomalies: string[] = [];
  const disk = u16(eocd, 4);
  const cdDisk = u16(eocd, 6);
  let total = u16(eocd, 10);
  let cdSize = u32(eocd, 12);
  let cdOffset = u32(eocd, 16);
  const commentLen = u16(eocd, 20);
  if (eocdPos + 22 + commentLen !== size) anomalies.push('eocd-comment-mismatch');
  const afterEocd = Math.min(size, eocdPos + 22 + commentLen);
  if (disk !== 0 || cdDisk !== 0) anomalies.push('multi-disk');
  let cdEnd = eocdPos;
  const saturated = total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff;
  if (eocdPos >= 20) {
    const loc = await src.read(eocdPos - 20, 20);
    if (sigAt(loc, 0, SIG_ZIP64_LOCATOR)) {
      const recOff = u64(loc, 8);
      const tries = [recOff, eocdPos - 20 - 56].filter((v): v is number => v !== null && v >= 0);
      let found = false;
      for (const at of tries) {
        const rec = await src.read(at, 56);
        if (rec.length === 56 && sigAt(rec, 0, SIG_ZIP64_EOCD)) {
          const t = u64(rec, 32);
          const s = u64(rec, 40);
          const o = u64(rec, 48);
          if (t === null || s === null || o === null) return null;
          total = t;
          cdSize = s;
          cdOffset = o;
          cdEnd = at;
          found = true;
          break;
        }
      }
      if (!found && saturated) return null;
    } else if (saturated && cdOffset === 0xffffffff) {
      return null;
    }
  }
  if (total === 0 && cdSize === 0) {
    return { cdStart: cdEnd, cdSize: 0, cdEnd, bias: 0, total: 0, afterEocd, anomalies };
  }
  const candidates: Array<{ at: number; bias: number }> = [{ at: cdOffset, bias: 0 }];
  if (cdEnd - cdSize !== cdOffset) candidates.push({ at: cdEnd - cdSize, bias: cdEnd - cdSize - cdOffset });
  for (const c of candidates) {
    if (c.at < 0 || c.at + 46 > size) continue;
    const h = await src.read(c.at, 4);
    if (sigAt(h, 0, SIG_CENTRAL)) {
      if (c.bias !== 0) anomalies.push('prefix-data');
      return {
        cdStart: c.at,
        cdSize,
        cdEnd: Math.max(cdEnd, c.at),
        bias: c.bias,
        total,
        afterEocd,
        anomalies,
      };
    }
  }
  return null;
}

async function findCentralDirectory(src: ByteSource, anomalies: string[]): Promise<CdLocation | null> {
  const size = src.size;
  if (size < 22) {
    anomalies.push('no-central-directory');
    return null;
  }
  const tailLen = Math.min(size, 0xffff + 22);
  const tailStart = size - tailLen;
  const tail = await src.read(tailStart, tailLen);
  let seen = 0;
  for (let i = tail.length - 22; i >= 0 && seen < 32; i--) {
    if (tail[i] !== 0x50 || !sigAt(tail, i, SIG_EOCD)) continue;
    seen++;
    const loc = await tryEocd(src, tail.subarray(i, i + 22), tailStart + i);
    if (loc) return loc;
  }
  anomalies.push(seen > 0 ? 'central-directory-corrupt' : 'no-central-directory');
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// central directory and local headers
// ---------------------------------------------------------------------------------------------------------------

function newEntry(init: Partial<ZipEntry> & Pick<ZipEntry, 'name' | 'rawName' | 'origin'>): ZipEntry {
  return {
    localName: null,
    method: 0,
    flags: 0,
    compressedSize: 0,
    uncompressedSize: 0,
    crc32: 0,
    localHeaderOffset: 0,
    dataOffset: -1,
    isDirectory: false,
    isSymlink: false,
    encrypted: false,
    externalAttributes: 0,
    versionMadeBy: 0,
    anomalies: [],
    ...init,
  };
}

async function parseCentralDirectory(
  src: ByteSource,
  cd: CdLocation,
  entries: ZipEntry[],
  anomalies: string[],
  maxMembers: number,
): Promise<void> {
  const r = new Reader(src, SCAN_CHUNK);
  let pos = cd.cdStart;
  let parsed = 0;
  while (pos + 46 <= src.size) {
    const h = await r.get(pos, 46);
    if (h.length < 46 || !sigAt(h, 0, SIG_CENTRAL)) {
      if (pos < cd.cdStart + cd.cdSize && !sigAt(h, 0, 0x05054b50))
        pushOnce(anomalies, 'central-directory-corrupt');
      break;
    }
    if (entries.length >= maxMembers) {
      throw new LimitError('maxMembers', `zip: more than ${maxMembers} members`);
    }
    const versionMadeBy = u16(h, 4);
    const flags = u16(h, 8);
    const method = u16(h, 10);
    const crc = u32(h, 16);
    let cs = u32(h, 20);
    let us = u32(h, 24);
    const n = u16(h, 28);
    const m = u16(h, 30);
    const k = u16(h, 32);
    const ext = u32(h, 38);
    let lho = u32(h, 42);
    const var_ = await r.get(pos + 46, n + m);
    if (var_.length < n + m) {
      pushOnce(anomalies, 'central-directory-corrupt');
      break;
    }
    const rawName = var_.slice(0, n);
    const extra = var_.subarray(n, n + m);
    const entryAnoms: string[] = [];
    const z64 = parseZip64Extra(
      extra,
      { uncompressed: us === 0xffffffff, compressed: cs === 0xffffffff, offset: lho === 0xffffffff },
      entryAnoms,
    );
    if (z64.uncompressed !== undefined) us = z64.uncompressed;
    if (z64.compressed !== undefined) cs = z64.compressed;
    if (z64.offset !== undefined) lho = z64.offset;
    const { name, bad } = decodeName(rawName, (flags & 0x800) !== 0);
    if (bad) entryAnoms.push('name-encoding');
    const mode = (ext >>> 16) & 0xffff;
    const fmt = mode & 0o170000;
    let isDirectory = name.endsWith('/') || fmt === 0o040000;
    if (isDirectory && (cs > 2 || us > 0)) {
      isDirectory = false;
      entryAnoms.push('directory-with-data');
    }
    entries.push(
      newEntry({
        name,
        rawName,
        origin: 'central',
        method,
        flags,
        compressedSize: cs,
        uncompressedSize: us,
        crc32: crc,
        localHeaderOffset: lho + cd.bias,
        isDirectory,
        isSymlink: fmt === 0o120000,
        encrypted: (flags & 1) !== 0,
        externalAttributes: ext,
        versionMadeBy,
        anomalies: entryAnoms,
      }),
    );
    parsed++;
    pos += 46 + n + m + k;
    if (pos >= cd.cdEnd && pos >= cd.cdStart + cd.cdSize) break;
  }
  if (parsed !== cd.total) pushOnce(anomalies, 'entry-count-mismatch');
}

/** Reads the local header of a CD entry and fills localName/dataOffset; differences become anomalies. */
async function attachLocal(r: Reader, size: number, e: ZipEntry): Promise<void> {
  const lho = e.localHeaderOffset;
  const h = lho >= 0 && lho + 30 <= size ? await r.get(lho, 30) : new Uint8Array(0);
  if (h.length < 30 || !sigAt(h, 0, SIG_LOCAL)) {
    e.anomalies.push('cd-only');
    flagAnomalies(e.flags, e.anomalies);
    return;
  }
  const lflags = u16(h, 6);
  const lmethod = u16(h, 8);
  const lcrc = u32(h, 14);
  let lcs = u32(h, 18);
  let lus = u32(h, 22);
  const n = u16(h, 26);
  const m = u16(h, 28);
  const var_ = await r.get(lho + 30, n + m);
  if (var_.length < n + m) {
    e.anomalies.push('cd-only');
    flagAnomalies(e.flags, e.anomalies);
    return;
  }
  const lraw = var_.subarray(0, n);
  e.localName = decodeName(lraw, ((lflags | e.flags) & 0x800) !== 0).name;
  if (!sameBytes(lraw, e.rawName)) e.anomalies.push('local-name-mismatch');
  const z64 = parseZip64Extra(
    var_.subarray(n, n + m),
    { uncompressed: lus === 0xffffffff, compressed: lcs === 0xffffffff, offset: false },
    e.anomalies,
  );
  if (z64.uncompressed !== undefined) lus = z64.uncompressed;
  if (z64.compressed !== undefined) lcs = z64.compressed;
  e.dataOffset = lho + 30 + n + m;
  if (lmethod !== e.method) e.anomalies.push('method-mismatch');
  if ((lflags ^ e.flags) & ~0x8) e.anomalies.push('flag-mismatch');
  const descriptor = (lflags & 0x8) !== 0;
  if ((!descriptor || lcs !== 0 || lus !== 0) && (lcs !== e.compressedSize || lus !== e.uncompressedSize)) {
    pushOnce(e.anomalies, 'size-mismatch');
  }
  if ((!descriptor || lcrc !== 0) && lcrc !== e.crc32) e.anomalies.push('local-crc-mismatch');
  e.flags |= lflags;
  e.encrypted = (e.flags & 1) !== 0;
  flagAnomalies(e.flags, e.anomalies);
  if (e.method === 0 && e.compressedSize !== e.uncompressedSize) pushOnce(e.anomalies, 'size-mismatch');
  if (e.dataOffset + e.compressedSize > size) e.anomalies.push('data-out-of-bounds');
}

// ---------------------------------------------------------------------------------------------------------------
// local header scan
// ---------------------------------------------------------------------------------------------------------------

interface Signatures {
  local: number[];
  descriptor: number[];
  /** central, EOCD and ZIP64 records: ends of data when sizes are unknown. */
  other: number[];
  truncated: boolean;
}

async function scanSignatures(src: ByteSource, start: number, end: number): Promise<Signatures> {
  const sigs: Signatures = { local: [], descriptor: [], other: [], truncated: false };
  let count = 0;
  let pos = start;
  while (pos < end) {
    const len = Math.min(SCAN_CHUNK + 3, end - pos);
    const chunk = Buffer.from(await src.read(pos, len));
    if (chunk.length === 0) break;
    let i = chunk.indexOf(0x50);
    while (i >= 0 && i + 3 < chunk.length) {
      if (chunk[i + 1] === 0x4b) {
        const c = chunk[i + 2];
        const d = chunk[i + 3];
        let list: number[] | null = null;
        if (c === 3 && d === 4) list = sigs.local;
        else if (c === 7 && d === 8) list = sigs.descriptor;
        else if ((c === 1 && d === 2) || (c === 5 && d === 6) || (c === 6 && d === 6)) list = sigs.other;
        if (list) {
          if (++count > MAX_SIGNATURES) {
            sigs.truncated = true;
            return sigs;
          }
          list.push(pos + i);
        }
      }
      i = chunk.indexOf(0x50, i + 1);
    }
    if (chunk.length < len) break;
    pos += Math.max(1, chunk.length - 3);
  }
  return sigs;
}

/** First value in sorted `list` that is > x, or -1. */
function firstAfter(list: number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo] : -1;
}

interface DescriptorInfo {
  pos: number;
  length: number;
  crc: number;
  cs: number;
  us: number;
}

/** Maps "data start" candidates to data descriptors: a descriptor at q with size c belongs to data at q - c. */
async function indexDescriptors(r: Reader, positions: number[]): Promise<Map<number, DescriptorInfo>> {
  const map = new Map<number, DescriptorInfo>();
  for (const q of positions) {
    const d = await r.get(q, 24);
    if (d.length < 16) continue;
    const crc = u32(d, 4);
    const cs32 = u32(d, 8);
    const us32 = u32(d, 12);
    if (!map.has(q - cs32)) map.set(q - cs32, { pos: q, length: 16, crc, cs: cs32, us: us32 });
    if (d.length >= 24) {
      const cs64 = u64(d, 8);
      const us64 = u64(d, 16);
      if (cs64 !== null && us64 !== null && cs64 !== cs32 && !map.has(q - cs64)) {
        map.set(q - cs64, { pos: q, length: 24, crc, cs: cs64, us: us64 });
      }
    }
  }
  return map;
}

async function scanLocalRegion(
  src: ByteSource,
  start: number,
  end: number,
  entries: ZipEntry[],
  anomalies: string[],
  maxMembers: number,
): Promise<void> {
  if (end - start < 30) return;
  const sigs = await scanSignatures(src, start, end);
  if (sigs.truncated) pushOnce(anomalies, 'signature-scan-truncated');
  if (sigs.local.length === 0) return;
  const size = src.size;
  const r = new Reader(src, 64 * 1024);
  let descriptors: Map<number, DescriptorInfo> | null = null;
  const ends = [...sigs.local, ...sigs.descriptor, ...sigs.other].sort((a, b) => a - b);
  let cursor = start;
  for (const p of sigs.local) {
    if (p < cursor) continue;
    const h = await r.get(p, 30);
    if (h.length < 30) continue;
    const flags = u16(h, 6);
    const method = u16(h, 8);
    let crc = u32(h, 14);
    let cs = u32(h, 18);
    let us = u32(h, 22);
    const n = u16(h, 26);
    const m = u16(h, 28);
    if (!KNOWN_METHODS.has(method) || p + 30 + n + m > size) continue;
    const var_ = await r.get(p + 30, n + m);
    if (var_.length < n + m) continue;
    const anoms: string[] = ['local-only'];
    const z64 = parseZip64Extra(
      var_.subarray(n, n + m),
      { uncompressed: us === 0xffffffff, compressed: cs === 0xffffffff, offset: false },
      anoms,
    );
    if (z64.uncompressed !== undefined) us = z64.uncompressed;
    if (z64.compressed !== undefined) cs = z64.compressed;
    const dataStart = p + 30 + n + m;
    let next = dataStart + cs;
    if ((flags & 0x8) !== 0 && cs === 0 && us === 0) {
      descriptors ??= await indexDescriptors(r, sigs.descriptor);
      const d = descriptors.get(dataStart);
      if (d && d.pos >= dataStart) {
        cs = d.cs;
        us = d.us;
        crc = d.crc;
        next = d.pos + d.length;
      } else {
        const after = firstAfter(ends, dataStart - 1);
        const stop = after >= 0 ? after : end;
        cs = Math.max(0, stop - dataStart);
        us = method === 0 ? cs : 0;
        next = stop;
        anoms.push('size-unknown');
      }
    }
    if (entries.length >= maxMembers) {
      throw new LimitError('maxMembers', `zip: more than ${maxMembers} members`);
    }
    const rawName = var_.slice(0, n);
    const { name, bad } = decodeName(rawName, (flags & 0x800) !== 0);
    if (bad) anoms.push('name-encoding');
    let isDirectory = name.endsWith('/');
    if (isDirectory && (cs > 2 || us > 0)) {
      isDirectory = false;
      anoms.push('directory-with-data');
    }
    flagAnomalies(flags, anoms);
    if (method === 0 && cs !== us) pushOnce(anoms, 'size-mismatch');
    if (dataStart + cs > size) anoms.push('data-out-of-bounds');
    entries.push(
      newEntry({
        name,
        rawName,
        localName: name,
        origin: 'local',
        method,
        flags,
        compressedSize: cs,
        uncompressedSize: us,
        crc32: crc,
        localHeaderOffset: p,
        dataOffset: dataStart,
        isDirectory,
        encrypted: (flags & 1) !== 0,
        anomalies: anoms,
      }),
    );
    cursor = Math.max(p + 4, next);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// readZip
// ---------------------------------------------------------------------------------------------------------------

/**
 * Lists a ZIP archive (see the module comment). Throws ParseError when there is no ZIP structure at all and
 * LimitError when there are more than `maxMembers` entries.
 */
export async function readZip(src: ByteSource, opts: { maxMembers: number }): Promise<ZipListing> {
  const size = src.size;
  const anomalies: string[] = [];
  const entries: ZipEntry[] = [];
  const cd = await findCentralDirectory(src, anomalies);
  let scanEnd = size;
  if (cd) {
    for (const a of cd.anomalies) pushOnce(anomalies, a);
    scanEnd = cd.cdStart;
    await parseCentralDirectory(src, cd, entries, anomalies, opts.maxMembers);
    const r = new Reader(src, 4 * 1024);
    const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
    for (const e of byOffset) await attachLocal(r, size, e);
  }

  // overlapping CD entries (several entries sharing or overlapping data)
  const placed = entries
    .filter((e) => e.dataOffset >= 0)
    .sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let maxEnd = -1;
  let maxEntry: ZipEntry | null = null;
  for (const e of placed) {
    const end = e.dataOffset + e.compressedSize;
    if (maxEntry && e.localHeaderOffset < maxEnd) {
      pushOnce(e.anomalies, 'overlapping-entries');
      pushOnce(maxEntry.anomalies, 'overlapping-entries');
      pushOnce(anomalies, 'overlapping-entries');
    }
    if (end > maxEnd) {
      maxEnd = end;
      maxEntry = e;
    }
  }

  // local headers in the bytes no CD entry accounts for
  const covered = placed
    .map((e) => [e.localHeaderOffset, Math.min(size, e.dataOffset + e.compressedSize)] as const)
    .sort((a, b) => a[0] - b[0]);
  let gapStart = 0;
  const before = entries.length;
  for (const [s, e] of covered) {
    if (s > gapStart)
      await scanLocalRegion(src, gapStart, Math.min(s, scanEnd), entries, anomalies, opts.maxMembers);
    gapStart = Math.max(gapStart, e);
  }
  if (gapStart < scanEnd) await scanLocalRegion(src, gapStart, scanEnd, entries, anomalies, opts.maxMembers);
  // after the EOCD record (e.g. the archive found is a stored zip inside an archive without its own CD)
  if (cd && cd.afterEocd < size) {
    await scanLocalRegion(src, Math.max(cd.afterEocd, gapStart), size, entries, anomalies, opts.maxMembers);
  }
  if (entries.length > before && cd) pushOnce(anomalies, 'local-only-entries');

  if (!cd && entries.length === 0) {
    throw new ParseError('not a ZIP archive: no end of central directory record and no local file header', 0);
  }

  // per-entry name checks
  const seen = new Map<string, ZipEntry>();
  for (const e of entries) {
    const unsafe = isUnsafeMemberPath(e.name);
    if (unsafe) pushOnce(e.anomalies, `unsafe-path:${unsafe}`);
    const prev = seen.get(e.name);
    if (prev) {
      pushOnce(prev.anomalies, 'duplicate-name');
      pushOnce(e.anomalies, 'duplicate-name');
      pushOnce(anomalies, 'duplicate-names');
    } else seen.set(e.name, e);
  }
  return { entries, anomalies, centralDirectoryFound: cd !== null };
}

// ---------------------------------------------------------------------------------------------------------------
// reading members
// ---------------------------------------------------------------------------------------------------------------

const METHOD_DECODERS: Record<number, DecoderKind> = {
  8: 'deflate-raw',
  12: 'bzip2',
  14: 'lzma-zip',
  93: 'zstd',
  95: 'xz',
};

/**
 * Opens a member's data (see the module comment). Stored members are returned as a window of `src` (close it
 * when done; closing a window does nothing). Throws ParseError (corrupt/encrypted data, no local header),
 * LimitError (bomb, budget, deadline), BulwarkError('E_UNSUPPORTED') (other methods, AES).
 */
export async function openZipEntry(
  src: ByteSource,
  entry: ZipEntry,
  ctx: { limits: Limits; budget: Budget },
): Promise<ByteSource> {
  const label = `zip member ${JSON.stringify(entry.name)}`;
  if (entry.dataOffset < 0) {
    throw new ParseError(
      `${label}: no valid local header at offset ${entry.localHeaderOffset}`,
      entry.localHeaderOffset,
    );
  }
  const avail = src.size - entry.dataOffset;
  if (avail < 0) throw new ParseError(`${label}: data starts past the end of the file`, entry.dataOffset);
  const cs = entry.compressedSize;
  const us = entry.uncompressedSize;
  const sizeUnknown = entry.anomalies.includes('size-unknown');
  if (entry.method === 0) {
    if (entry.encrypted && cs === us + 12) {
      throw new ParseError(
        `${label}: encrypted (ZipCrypto) stored member; cannot be read without the password`,
      );
    }
    let n = cs === us ? cs : Math.max(cs, us);
    if (n > avail) {
      if (Math.min(cs, us) > avail) throw new ParseError(`${label}: data extends past the end of the file`);
      n = avail;
    }
    return new SliceSource(src, entry.dataOffset, n);
  }
  if (entry.method === 99) {
    throw new BulwarkError(
      'E_UNSUPPORTED',
      `${label}: AES-encrypted member; cannot be read without the password`,
    );
  }
  const kind = METHOD_DECODERS[entry.method];
  if (!kind) {
    throw new BulwarkError('E_UNSUPPORTED', `${label}: compression method ${entry.method} is not supported`);
  }
  const sink = new BoundedSink(ctx, Math.max(1, cs), label);
  try {
    const anomalies = await decodeIntoSink(kind, src, entry.dataOffset, Math.min(cs, avail), sink, ctx, {
      uncompressedSize: sizeUnknown ? undefined : us,
    });
    if (!sizeUnknown) {
      if (sink.crc >>> 0 !== entry.crc32) pushOnce(entry.anomalies, 'crc-mismatch');
      if (sink.produced !== us) pushOnce(entry.anomalies, 'size-mismatch');
    }
    for (const a of anomalies) pushOnce(entry.anomalies, a);
    return await sink.finish(anomalies);
  } catch (err) {
    sink.discard();
    const e = toBulwarkError(err, label);
    if (entry.encrypted && e instanceof ParseError) {
      throw new ParseError(`${e.message} (the member is flagged encrypted)`, e.offset);
    }
    throw e;
  }
}

/**
 * Computes the CRC-32 of a member's data (e.g. a stored member once scanned) and records 'crc-mismatch' on the
 * entry when it differs. Returns true when it matches.
 */
export async function checkZipEntryCrc(data: ByteSource, entry: ZipEntry): Promise<boolean> {
  let crc = 0;
  for await (const chunk of data.stream(0, data.size)) crc = zlib.crc32(chunk, crc);
  const ok = crc >>> 0 === entry.crc32;
  if (!ok) pushOnce(entry.anomalies, 'crc-mismatch');
  return ok;
}
