/**
 * A hand-written tar reader with random access to members: ustar, GNU long names/links ('L'/'K'), pax extended
 * headers ('x' per member, 'g' global: path, linkpath, size), base-256 numeric fields, v7 headers.
 *
 * Like Python's tarfile (which `torch.load` uses for legacy tar checkpoints), the archive ends at the first zero
 * block, and a bad header checksum on the first header means "not a tar" (ParseError). A bad header later on
 * ends the listing: the entries read so far are kept, `truncated` is set and `error` says why, so the caller can
 * report the rest as unreadable. Members only ever expose offsets into the source: nothing is copied.
 *
 * Entry anomalies: 'unsafe-path:<kind>', 'symlink-escape', 'hardlink-escape', 'base256-size', 'pax-size',
 * 'gnu-sparse', 'duplicate-name', 'checksum-signed' (header summed as signed bytes, old tars),
 * 'data-out-of-bounds'.
 * Listing anomalies: 'data-after-end' (non-zero bytes after the end-of-archive marker), 'pax-global-header',
 * 'missing-end-marker', 'duplicate-names'.
 */
import { LimitError, ParseError } from '../../core/errors.js';
import type { ByteSource } from '../source.js';
import { hardlinkEscapes, isUnsafeMemberPath, symlinkEscapes } from './archive-safety.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  /** The raw type flag (e.g. '0', '5', 'S'). */
  typeFlag: string;
  linkName: string;
  size: number;
  /** Offset of the member data in the source. */
  dataOffset: number;
  /** Offset of the member's own header (after any extension headers). */
  headerOffset: number;
  mode: number;
  anomalies: string[];
}

export interface TarListing {
  entries: TarEntry[];
  anomalies: string[];
  /** True when reading stopped before a proper end of archive (bad header, data past the end of the file). */
  truncated: boolean;
  /** Why reading stopped early. */
  error?: string;
}

const BLOCK = 512;
/** Largest GNU long name / pax header accepted. */
const MAX_EXTENSION = 1024 * 1024;
/** How far after the end marker we look for hidden data. */
const TRAILER_CHECK = 1024 * 1024;

const utf8 = new TextDecoder('utf-8');

function cstr(b: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && b[end] !== 0) end++;
  return utf8.decode(b.subarray(at, end));
}

/** Parses an octal or base-256 numeric field; null when invalid. */
function numField(b: Uint8Array, at: number, len: number): { value: number; base256: boolean } | null {
  if (b[at] & 0x80) {
    if (b[at] === 0xff) return null; // negative
    let v = b[at] & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + b[at + i];
      if (!Number.isSafeInteger(v)) return null;
    }
    return { value: v, base256: true };
  }
  let i = at;
  const end = at + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  let digits = 0;
  while (i < end && b[i] >= 0x30 && b[i] <= 0x37) {
    v = v * 8 + (b[i] - 0x30);
    digits++;
    i++;
  }
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  if (i !== end) return null;
  if (digits === 0) return { value: 0, base256: false };
  return { value: v, base256: false };
}

function isZeroBlock(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** 'ok', 'signed' (matches only with signed-byte sum) or 'bad'. */
function checksum(h: Uint8Array): 'ok' | 'signed' | 'bad' {
  const stored = numField(h, 148, 8);
  if (!stored) return 'bad';
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += c;
    signed += c >= 128 ? c - 256 : c;
  }
  if (stored.value === unsigned) return 'ok';
  if (stored.value === signed) return 'signed';
  return 'bad';
}

/** True when `head` (at least 512 bytes) starts with a tar header: ustar magic, or a valid v7 checksum. */
export function isTar(head: Uint8Array): boolean {
  if (head.length < BLOCK) return false;
  const h = head.subarray(0, BLOCK);
  const magic = Buffer.from(h.subarray(257, 263)).toString('latin1');
  if ((magic === 'ustar\0' || magic === 'ustar ') && checksum(h) !== 'bad') return true;
  if (isZeroBlock(h)) return false;
  if (h[0] === 0) return false; // v7 needs a name
  const size = numField(h, 124, 12);
  return size !== null && checksum(h) !== 'bad';
}

function typeOf(flag: string, name: string): TarEntryType {
  switch (flag) {
    case '0':
    case '7':
      return 'file';
    case '\0':
      return name.endsWith('/') ? 'dir' : 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'dir';
    default:
      return 'other';
  }
}

/** Parses pax records ("%d key=value\n"). Malformed records end parsing (like tarfile, which raises). */
function parsePax(data: Uint8Array): Map<string, string> | null {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    let sp = p;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = Number(Buffer.from(data.subarray(p, sp)).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || p + len > data.length || sp >= p + len) {
      if (data.subarray(p).every((c) => c === 0)) break; // NUL padding
      return null;
    }
    const rec = data.subarray(sp + 1, p + len - 1); // strip trailing '\n'
    const eq = rec.indexOf(0x3d);
    if (eq < 0) return null;
    out.set(utf8.decode(rec.subarray(0, eq)), utf8.decode(rec.subarray(eq + 1)));
    p += len;
  }
  return out;
}

/**
 * Lists a tar archive (see the module comment). Throws ParseError when the first header is not a valid tar
 * header, LimitError past `maxMembers`.
 */
export async function readTar(src: ByteSource, opts: { maxMembers: number }): Promise<TarListing> {
  const listing = await readTarInner(src, opts);
  if (markDuplicateNames(listing.entries)) listing.anomalies.push('duplicate-names');
  return listing;
}

async function readTarInner(src: ByteSource, opts: { maxMembers: number }): Promise<TarListing> {
  const entries: TarEntry[] = [];
  const anomalies: string[] = [];
  const listing: TarListing = { entries, anomalies, truncated: false };
  const size = src.size;
  let pos = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Map<string, string> | null = null;
  const global = new Map<string, string>();
  let first = true;
  let extended = false; // inside a sequence of extension headers

  const stop = (why: string): TarListing => {
    listing.truncated = true;
    listing.error = why;
    return listing;
  };

  for (;;) {
    if (pos + BLOCK > size) {
      if (first) throw new ParseError('tar: file too short for a header', pos);
      if (extended) return stop(`tar: archive ends inside extension headers at offset ${pos}`);
      if (pos < size) return stop(`tar: truncated header at offset ${pos}`);
      anomalies.push('missing-end-marker');
      return listing;
    }
    const h = await src.read(pos, BLOCK);
    if (isZeroBlock(h)) {
      if (first) throw new ParseError('tar: empty archive (zero block at offset 0)', 0);
      if (extended) return stop(`tar: zero block after extension header at offset ${pos}`);
      // end of archive; look for data hidden after the end marker
      let p = pos + BLOCK;
      const limit = Math.min(size, p + TRAILER_CHECK);
      while (p < limit) {
        const chunk = await src.read(p, Math.min(64 * 1024, limit - p));
        if (chunk.length === 0) break;
        if (!isZeroBlock(chunk)) {
          anomalies.push('data-after-end');
          break;
        }
        p += chunk.length;
      }
      return listing;
    }
    const sum = checksum(h);
    if (sum === 'bad') {
      if (first) throw new ParseError('tar: bad header checksum at offset 0 (not a tar archive)', 0);
      return stop(`tar: bad header checksum at offset ${pos}`);
    }
    first = false;
    const sizeField = numField(h, 124, 12);
    if (!sizeField) return stop(`tar: invalid size field at offset ${pos}`);
    const flag = String.fromCharCode(h[156]);
    const magic = Buffer.from(h.subarray(257, 263)).toString('latin1');
    const isUstar = magic === 'ustar\0';
    let size_ = sizeField.value;
    const headerOffset = pos;
    const dataOffset = pos + BLOCK;

    if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
      if (size_ > MAX_EXTENSION)
        return stop(`tar: extension header of ${size_} bytes at offset ${pos} is too large`);
      if (dataOffset + size_ > size) return stop(`tar: extension header at offset ${pos} runs past the end`);
      const data = await src.read(dataOffset, size_);
      if (flag === 'L') longName = cstr(data, 0, data.length);
      else if (flag === 'K') longLink = cstr(data, 0, data.length);
      else {
        const recs = parsePax(data);
        if (!recs) return stop(`tar: malformed pax header at offset ${pos}`);
        if (flag === 'g') {
          for (const [k, v] of recs) global.set(k, v);
          if (!anomalies.includes('pax-global-header')) anomalies.push('pax-global-header');
        } else pax = recs;
      }
      pos = dataOffset + Math.ceil(size_ / BLOCK) * BLOCK;
      extended = flag !== 'g';
      continue;
    }
    extended = false;

    const entryAnoms: string[] = [];
    if (sum === 'signed') entryAnoms.push('checksum-signed');
    if (sizeField.base256) entryAnoms.push('base256-size');
    let name = cstr(h, 0, 100);
    if (isUstar) {
      const prefix = cstr(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkName = cstr(h, 157, 100);
    const attrs = new Map<string, string>([...global, ...(pax ?? [])]);
    if (longName !== null) name = longName;
    if (longLink !== null) linkName = longLink;
    if (attrs.has('path')) name = attrs.get('path') as string;
    if (attrs.has('linkpath')) linkName = attrs.get('linkpath') as string;
    if (attrs.has('size')) {
      const v = Number(attrs.get('size'));
      if (!Number.isSafeInteger(v) || v < 0) return stop(`tar: invalid pax size at offset ${pos}`);
      size_ = v;
      entryAnoms.push('pax-size');
    }
    if ([...attrs.keys()].some((k) => k.startsWith('GNU.sparse.'))) entryAnoms.push('gnu-sparse');
    longName = null;
    longLink = null;
    pax = null;

    const type = typeOf(flag, name);
    if (type === 'dir' && name.length > 1) name = name.replace(/\/+$/, ''); // as tarfile does
    if (flag === 'S') entryAnoms.push('gnu-sparse');
    const mode = numField(h, 100, 8)?.value ?? 0;
    const unsafe = isUnsafeMemberPath(name);
    if (unsafe) entryAnoms.push(`unsafe-path:${unsafe}`);
    if (type === 'symlink' && symlinkEscapes(name, linkName)) entryAnoms.push('symlink-escape');
    if (type === 'hardlink' && hardlinkEscapes(linkName)) entryAnoms.push('hardlink-escape');
    // Like tarfile: only regular files (and unknown types) have data blocks that must be skipped.
    const hasData = type === 'file' || type === 'other';
    if (entries.length >= opts.maxMembers)
      throw new LimitError('maxMembers', `tar: more than ${opts.maxMembers} members`);
    const entry: TarEntry = {
      name,
      type,
      typeFlag: flag,
      linkName,
      size: hasData ? size_ : 0,
      dataOffset,
      headerOffset,
      mode,
      anomalies: entryAnoms,
    };
    entries.push(entry);
    if (hasData && dataOffset + size_ > size) {
      entryAnoms.push('data-out-of-bounds');
      return stop(`tar: member ${JSON.stringify(name)} data runs past the end of the file`);
    }
    pos = dataOffset + (hasData ? Math.ceil(size_ / BLOCK) * BLOCK : 0);
  }
}

/** Marks entries that share a name with another entry ('duplicate-name'); returns true when there are any. */
function markDuplicateNames(entries: TarEntry[]): boolean {
  const seen = new Map<string, TarEntry>();
  let any = false;
  for (const e of entries) {
    const prev = seen.get(e.name);
    if (prev) {
      any = true;
      if (!prev.anomalies.includes('duplicate-name')) prev.anomalies.push('duplicate-name');
      e.anomalies.push('duplicate-name');
    } else seen.set(e.name, e);
  }
  return any;
}
