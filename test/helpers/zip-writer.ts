/**
 * A small ZIP writer for tests, able to craft tampered archives: wrong CRCs, local/central name mismatches,
 * arbitrary flag bits, data descriptors, ZIP64 fields, missing central directory, prefixes, symlink attributes,
 * ZipCrypto-encrypted members.
 */
import zlib from 'node:zlib';

export interface ZipWriterEntry {
  name: string;
  data: Uint8Array | string;
  /** 0 = stored, 8 = deflate (default), anything else needs `compressed`. */
  method?: number;
  /** Compressed bytes to write instead of compressing `data`. */
  compressed?: Uint8Array;
  /** Flag bits set in both headers. */
  flags?: number;
  localFlags?: number;
  centralFlags?: number;
  /** CRC written in the headers (default: the real one). */
  crc?: number;
  /** Name written in the local header (default: name). */
  localName?: string;
  /** Local header has zero CRC/sizes and flag 0x8; a data descriptor follows the data. */
  dataDescriptor?: boolean;
  /** Write the optional data descriptor signature (default true). */
  descriptorSignature?: boolean;
  /** Write sizes/offsets as 0xFFFFFFFF with ZIP64 extra fields. */
  zip64?: boolean;
  externalAttributes?: number;
  versionMadeBy?: number;
  omitFromCentral?: boolean;
  /** Override sizes written in the central directory. */
  centralSizes?: { compressed: number; uncompressed: number };
  /** Encrypt with traditional PKWARE encryption (sets flag bit 0). */
  password?: string;
}

export interface ZipWriterOptions {
  noCentralDirectory?: boolean;
  prefix?: Uint8Array;
  comment?: string;
  /** Write a ZIP64 end of central directory record and locator. */
  zip64Eocd?: boolean;
  /** Central directory offset written to the EOCD (default: the real one, minus the prefix length). */
  cdOffsetOverride?: number;
  /** Bytes inserted between the last member and the central directory. */
  beforeCentral?: Uint8Array;
}

const enc = new TextEncoder();

function bytes(d: Uint8Array | string): Uint8Array {
  return typeof d === 'string' ? enc.encode(d) : d;
}

class Buf {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.push(b);
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  concat(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

function zip64Extra(values: number[]): Uint8Array {
  const b = new Buf();
  b.u16(0x0001);
  b.u16(values.length * 8);
  for (const v of values) b.u64(v);
  return b.concat();
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crcUpdate(crc: number, b: number): number {
  return (CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8)) >>> 0;
}

/** Traditional PKWARE ("ZipCrypto") encryption: 12-byte header + encrypted data. */
export function zipCryptoEncrypt(data: Uint8Array, password: string, crc: number): Uint8Array {
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const update = (c: number): void => {
    k0 = crcUpdate(k0, c);
    k1 = (Math.imul((k1 + (k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    k2 = crcUpdate(k2, k1 >>> 24);
  };
  const streamByte = (): number => {
    const t = (k2 | 2) & 0xffff;
    return (Math.imul(t, t ^ 1) >>> 8) & 0xff;
  };
  for (const c of enc.encode(password)) update(c);
  const header = new Uint8Array(12);
  for (let i = 0; i < 11; i++) header[i] = (i * 37 + 11) & 0xff;
  header[11] = crc >>> 24;
  const plain = Buffer.concat([header, data]);
  const out = new Uint8Array(plain.length);
  for (let i = 0; i < plain.length; i++) {
    out[i] = plain[i] ^ streamByte();
    update(plain[i]);
  }
  return out;
}

export function buildZip(entries: ZipWriterEntry[], opts: ZipWriterOptions = {}): Uint8Array {
  const out = new Buf();
  if (opts.prefix) out.push(opts.prefix);
  const prefixLen = opts.prefix?.length ?? 0;
  const central = new Buf();
  let count = 0;
  for (const e of entries) {
    const data = bytes(e.data);
    const method = e.method ?? 8;
    const realCrc = zlib.crc32(data) >>> 0;
    const crc = e.crc ?? realCrc;
    let comp = e.compressed ?? (method === 8 ? zlib.deflateRawSync(data) : data);
    let flags = e.flags ?? 0;
    if (e.dataDescriptor) flags |= 0x8;
    if (e.password !== undefined) {
      comp = zipCryptoEncrypt(comp, e.password, crc);
      flags |= 0x1;
    }
    const localFlags = e.localFlags ?? flags;
    const centralFlags = e.centralFlags ?? flags;
    const name = enc.encode(e.name);
    const localName = enc.encode(e.localName ?? e.name);
    const offset = out.length - prefixLen;
    const z64 = e.zip64 === true;
    // local header
    const localExtra = z64
      ? zip64Extra(e.dataDescriptor ? [0, 0] : [data.length, comp.length])
      : new Uint8Array(0);
    out.u32(0x04034b50);
    out.u16(z64 ? 45 : 20);
    out.u16(localFlags);
    out.u16(method);
    out.u16(0);
    out.u16(0x21);
    out.u32(e.dataDescriptor ? 0 : crc);
    out.u32(e.dataDescriptor ? 0 : z64 ? 0xffffffff : comp.length);
    out.u32(e.dataDescriptor ? 0 : z64 ? 0xffffffff : data.length);
    out.u16(localName.length);
    out.u16(localExtra.length);
    out.push(localName);
    out.push(localExtra);
    out.push(comp);
    if (e.dataDescriptor) {
      if (e.descriptorSignature !== false) out.u32(0x08074b50);
      out.u32(crc);
      if (z64) {
        out.u64(comp.length);
        out.u64(data.length);
      } else {
        out.u32(comp.length);
        out.u32(data.length);
      }
    }
    if (e.omitFromCentral) continue;
    count++;
    const cs = e.centralSizes?.compressed ?? comp.length;
    const us = e.centralSizes?.uncompressed ?? data.length;
    const centralExtra = z64 ? zip64Extra([us, cs, offset]) : new Uint8Array(0);
    central.u32(0x02014b50);
    central.u16(e.versionMadeBy ?? 0x031e);
    central.u16(z64 ? 45 : 20);
    central.u16(centralFlags);
    central.u16(method);
    central.u16(0);
    central.u16(0x21);
    central.u32(crc);
    central.u32(z64 ? 0xffffffff : cs);
    central.u32(z64 ? 0xffffffff : us);
    central.u16(name.length);
    central.u16(centralExtra.length);
    central.u16(0);
    central.u16(0);
    central.u16(0);
    central.u32(e.externalAttributes ?? 0o100644 << 16);
    central.u32(z64 ? 0xffffffff : offset);
    central.push(name);
    central.push(centralExtra);
  }
  if (opts.beforeCentral) out.push(opts.beforeCentral);
  if (opts.noCentralDirectory) return out.concat();
  const cdOffset = opts.cdOffsetOverride ?? out.length - prefixLen;
  const cd = central.concat();
  out.push(cd);
  if (opts.zip64Eocd) {
    const recOffset = out.length - prefixLen;
    out.u32(0x06064b50);
    out.u64(44);
    out.u16(45);
    out.u16(45);
    out.u32(0);
    out.u32(0);
    out.u64(count);
    out.u64(count);
    out.u64(cd.length);
    out.u64(cdOffset);
    out.u32(0x07064b50);
    out.u32(0);
    out.u64(recOffset);
    out.u32(1);
  }
  const comment = enc.encode(opts.comment ?? '');
  out.u32(0x06054b50);
  out.u16(0);
  out.u16(0);
  out.u16(opts.zip64Eocd ? 0xffff : count);
  out.u16(opts.zip64Eocd ? 0xffff : count);
  out.u32(opts.zip64Eocd ? 0xffffffff : cd.length);
  out.u32(opts.zip64Eocd ? 0xffffffff : cdOffset);
  out.u16(comment.length);
  out.push(comment);
  return out.concat();
}
