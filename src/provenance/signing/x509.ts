import { X509Certificate } from 'node:crypto';

/**
 * A small, bounded DER reader for the two X.509 extensions model signing cares about (KeyUsage and
 * ExtendedKeyUsage). Node's `X509Certificate` does not expose KeyUsage bits. Every length is checked against the
 * enclosing element; nesting is shallow and fixed, so hostile certificates cannot make it loop or recurse.
 */
interface Tlv {
  tag: number;
  /** Start of the contents. */
  start: number;
  /** End of the contents (exclusive). */
  end: number;
}

function readTlv(buf: Uint8Array, off: number, limit: number): Tlv {
  if (off + 2 > limit) throw new RangeError('truncated DER');
  const tag = buf[off];
  if ((tag & 0x1f) === 0x1f) throw new RangeError('multi-byte DER tags are not used in certificates');
  let len = buf[off + 1];
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('unsupported DER length');
    if (p + n > limit) throw new RangeError('truncated DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i];
    p += n;
  }
  if (p + len > limit) throw new RangeError('DER element overruns its parent');
  return { tag, start: p, end: p + len };
}

function children(buf: Uint8Array, parent: Tlv, max = 64): Tlv[] {
  const out: Tlv[] = [];
  let off = parent.start;
  while (off < parent.end) {
    if (out.length >= max) throw new RangeError('too many DER elements');
    const t = readTlv(buf, off, parent.end);
    out.push(t);
    off = t.end;
  }
  return out;
}

function decodeOid(buf: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06 || t.end === t.start || t.end - t.start > 64) throw new RangeError('bad OID');
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    v = v * 128 + (buf[i] & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new RangeError('OID arc too large');
    if (!(buf[i] & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export const OID_KEY_USAGE = '2.5.29.15';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';

/** The usage extensions of a certificate. `undefined` fields: the extension is absent. */
export interface CertificateUsage {
  /** KeyUsage digitalSignature bit (bit 0). */
  digitalSignature?: boolean;
  /** KeyUsage keyCertSign bit (bit 5). */
  keyCertSign?: boolean;
  /** ExtendedKeyUsage purposes (dotted OIDs). */
  extKeyUsage?: string[];
}

/** Reads KeyUsage and ExtendedKeyUsage from a DER certificate. Throws RangeError on malformed DER. */
export function certificateUsage(der: Uint8Array): CertificateUsage {
  const cert = readTlv(der, 0, der.length);
  if (cert.tag !== 0x30) throw new RangeError('not a certificate');
  const [tbs] = children(der, cert, 3);
  if (!tbs || tbs.tag !== 0x30) throw new RangeError('no tbsCertificate');
  const usage: CertificateUsage = {};
  const extsWrapper = children(der, tbs, 12).find((t) => t.tag === 0xa3);
  if (!extsWrapper) return usage;
  const [exts] = children(der, extsWrapper, 1);
  if (!exts || exts.tag !== 0x30) throw new RangeError('bad extensions');
  for (const ext of children(der, exts, 128)) {
    const parts = children(der, ext, 3);
    if (parts.length < 2) throw new RangeError('bad extension');
    const oid = decodeOid(der, parts[0]);
    const value = parts[parts.length - 1];
    if (value.tag !== 0x04) throw new RangeError('extension value is not an OCTET STRING');
    if (oid === OID_KEY_USAGE) {
      const bits = readTlv(der, value.start, value.end);
      if (bits.tag !== 0x03 || bits.end - bits.start < 1) throw new RangeError('bad KeyUsage');
      const first = bits.end - bits.start >= 2 ? der[bits.start + 1] : 0;
      usage.digitalSignature = (first & 0x80) !== 0;
      usage.keyCertSign = (first & 0x04) !== 0;
    } else if (oid === OID_EXT_KEY_USAGE) {
      const seq = readTlv(der, value.start, value.end);
      if (seq.tag !== 0x30) throw new RangeError('bad ExtendedKeyUsage');
      usage.extKeyUsage = children(der, seq, 64).map((t) => decodeOid(der, t));
    }
  }
  return usage;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Reads every certificate of a PEM text (a bundle file may hold several; text around them is skipped) or one DER
 * certificate. Throws TypeError when there is none or one does not parse.
 */
export function parseCertificates(input: string | Buffer): X509Certificate[] {
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const pems = text.match(PEM_CERT);
  if (pems) {
    if (pems.length > 1000) throw new TypeError('more than 1000 certificates in one file');
    return pems.map((p) => new X509Certificate(p));
  }
  if (typeof input !== 'string' && input.length > 0 && input[0] === 0x30) return [new X509Certificate(input)];
  throw new TypeError('no certificate found (expected PEM "-----BEGIN CERTIFICATE-----" or DER)');
}

/** Node's multi-line distinguished name (`CN=a\nO=b`) as one line (`CN=a, O=b`). */
export function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
