/**
 * Checksum and validity rules used by the PII recognizers. Every function is pure, synchronous and bounded by the
 * length of its (already length-bounded) input.
 */
import { createHash } from 'node:crypto';

/** Digits of `s`, dropping spaces, dashes and dots. */
export function digitsOnly(s: string): string {
  return s.replace(/[^0-9]/g, '');
}

/** Luhn (mod 10) check, used by payment card numbers. */
export function luhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** IBAN lengths per country (ISO 13616 registry). */
// prettier-ignore
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
});

/** ISO 7064 mod 97-10 over an alphanumeric string (letters A=10 … Z=35), computed piecewise. */
export function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return -1;
  }
  return rem;
}

/** IBAN: known country, the country's length, and mod-97 = 1. Spaces are ignored; case-insensitive. */
export function validIban(value: string): boolean {
  const s = value.replace(/ /g, '').toUpperCase();
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (len === undefined || s.length !== len || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}

/**
 * US Social Security Number validity (SSA rules): area not 000, 666 or 900–999; group not 00; serial not 0000; not
 * all one digit; and not the publicised invalid numbers (078-05-1120 from the Woolworth wallet card, 219-09-9999 from
 * an SSA pamphlet, 123-45-6789 and the 987-65-432x advertising range).
 */
export function validSsn(value: string): boolean {
  const d = digitsOnly(value);
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  if (/^(\d)\1{8}$/.test(d)) return false;
  if (d === '078051120' || d === '219099999' || d === '123456789' || d.startsWith('98765432')) return false;
  return true;
}

/** US ITIN: 9XX-[50–65, 70–88, 90–92, 94–99]-XXXX. */
export function validItin(value: string): boolean {
  const d = digitsOnly(value);
  if (d.length !== 9 || d[0] !== '9') return false;
  const g = Number(d.slice(3, 5));
  return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);
}

/** UK NHS number: 10 digits, weights 10…2, check digit = 11 − (sum mod 11) (11 → 0, 10 → invalid). */
export function validNhs(value: string): boolean {
  const d = digitsOnly(value);
  if (d.length !== 10 || /^(\d)\1{9}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return false;
  return check === d.charCodeAt(9) - 48;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI/NIF (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): check letter = table[number mod 23]. */
export function validSpanishId(value: string): boolean {
  const s = value.replace(/[- ]/g, '').toUpperCase();
  let m = /^(\d{8})([A-Z])$/.exec(s);
  if (m) return DNI_LETTERS[Number(m[1]) % 23] === m[2];
  m = /^([XYZ])(\d{7})([A-Z])$/.exec(s);
  if (m) return DNI_LETTERS[Number(`${'XYZ'.indexOf(m[1])}${m[2]}`) % 23] === m[3];
  return false;
}

// Values of characters in odd (1st, 3rd, …) positions of the Italian fiscal code; digits 0–9 map like A–J.
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** Italian codice fiscale (16 chars): the last letter is the check character over the first 15. */
export function validItalianFiscalCode(value: string): boolean {
  const s = value.toUpperCase();
  if (!/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/.test(s))
    return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s.charCodeAt(i);
    const idx = c <= 57 ? c - 48 : c - 65;
    sum += i % 2 === 0 ? CF_ODD[idx] : idx;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}

/** Polish PESEL: 11 digits, weights 1,3,7,9,…, check = (10 − sum mod 10) mod 10, and a real birth date. */
export function validPesel(value: string): boolean {
  const d = digitsOnly(value);
  if (d.length !== 11) return false;
  const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (d.charCodeAt(i) - 48) * w[i];
  if ((10 - (sum % 10)) % 10 !== d.charCodeAt(10) - 48) return false;
  const yy = Number(d.slice(0, 2));
  let mm = Number(d.slice(2, 4));
  const dd = Number(d.slice(4, 6));
  const century = [1900, 2000, 2100, 2200, 1800][Math.floor(mm / 20)];
  if (century === undefined) return false;
  mm %= 20;
  return validDate(century + yy, mm, dd);
}

const HETU_CHECK = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const HETU_CENTURY: Record<string, number> = { '+': 1800, '-': 1900, A: 2000 };
for (const c of 'YXWVU') HETU_CENTURY[c] = 1900;
for (const c of 'BCDEF') HETU_CENTURY[c] = 2000;

/** Finnish henkilötunnus DDMMYYCZZZQ: Q = table[DDMMYYZZZ mod 31], and a real date. */
export function validHetu(value: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/.exec(value.toUpperCase());
  if (!m) return false;
  const century = HETU_CENTURY[m[4]];
  if (century === undefined || !validDate(century + Number(m[3]), Number(m[2]), Number(m[1]))) return false;
  if (Number(m[5]) < 2) return false;
  return HETU_CHECK[Number(`${m[1]}${m[2]}${m[3]}${m[5]}`) % 31] === m[6];
}

/** Dutch BSN "11-proef": Σ d_i·(9…2) − d_9 ≡ 0 (mod 11), not all zeros. */
export function validBsn(value: string): boolean {
  const d = digitsOnly(value);
  if (d.length !== 9 || d === '000000000') return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (d.charCodeAt(i) - 48) * (9 - i);
  sum -= d.charCodeAt(8) - 48;
  return sum % 11 === 0;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [
    31,
    y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return d <= days[m - 1];
}

// ---------------------------------------------------------------------------------------------- crypto wallets

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 decode (Bitcoin alphabet). Returns undefined on a bad character. Input is at most a few dozen chars. */
export function base58Decode(s: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of s) {
    const v = B58.indexOf(ch);
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.push(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== '1') break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Bitcoin P2PKH/P2SH address: Base58Check, 25 bytes, known version byte, double-SHA-256 checksum. */
export function validBase58Check(addr: string): boolean {
  if (addr.length < 26 || addr.length > 35) return false;
  const b = base58Decode(addr);
  if (!b || b.length !== 25) return false;
  if (![0x00, 0x05, 0x6f, 0xc4].includes(b[0])) return false;
  const check = sha256(sha256(b.subarray(0, 21)));
  for (let i = 0; i < 4; i++) if (check[i] !== b[21 + i]) return false;
  return true;
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ BECH32_GEN[i]) >>> 0;
  }
  return chk;
}

/** Segwit address: bech32 (witness v0) or bech32m (v1+) checksum, hrp bc/tb. Single case only. */
export function validBech32Address(addr: string): boolean {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return false;
  const s = addr.toLowerCase();
  const pos = s.lastIndexOf('1');
  if (pos < 1 || s.length > 90 || s.length - pos - 1 < 7) return false;
  const hrp = s.slice(0, pos);
  if (hrp !== 'bc' && hrp !== 'tb') return false;
  const data: number[] = [];
  for (const ch of s.slice(pos + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return false;
    data.push(v);
  }
  const expanded = [
    ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
    0,
    ...[...hrp].map((c) => c.charCodeAt(0) & 31),
  ];
  const pm = polymod([...expanded, ...data]);
  const version = data[0];
  if (version === 0) return pm === 1;
  return version <= 16 && pm === 0x2bc830a3;
}

// Keccak-256 (the pre-standard padding used by Ethereum), over 64-bit lanes held as BigInt. Only used for EIP-55
// checksums of 40-character addresses, so speed does not matter.
const MASK64 = (1n << 64n) - 1n;
const KECCAK_RC = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
const KECCAK_ROT = [
  0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

function rotl(x: bigint, n: number): bigint {
  if (n === 0) return x;
  const b = BigInt(n);
  return ((x << b) | (x >> (64n - b))) & MASK64;
}

function keccakF(a: bigint[]): void {
  const c = new Array<bigint>(5);
  const b = new Array<bigint>(25);
  for (let round = 0; round < 24; round++) {
    for (let x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (let y = 0; y < 25; y += 5) a[x + y] ^= d;
    }
    for (let x = 0; x < 5; x++)
      for (let y = 0; y < 5; y++)
        b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], KECCAK_ROT[x + 5 * y]);
    for (let y = 0; y < 25; y += 5)
      for (let x = 0; x < 5; x++)
        a[x + y] = b[x + y] ^ (~b[((x + 1) % 5) + y] & MASK64 & b[((x + 2) % 5) + y]);
    a[0] ^= KECCAK_RC[round];
  }
}

/** Keccak-256 digest (Ethereum flavour, padding byte 0x01). */
export function keccak256(data: Uint8Array): Uint8Array {
  const rate = 136;
  const padded = new Uint8Array(Math.ceil((data.length + 1) / rate) * rate);
  padded.set(data);
  padded[data.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const state = new Array<bigint>(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let lane = 0n;
      for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + i * 8 + k]);
      state[i] ^= lane;
    }
    keccakF(state);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) {
    let lane = state[i];
    for (let k = 0; k < 8; k++) {
      out[i * 8 + k] = Number(lane & 0xffn);
      lane >>= 8n;
    }
  }
  return out;
}

/**
 * Ethereum address `0x` + 40 hex. All-lowercase or all-uppercase addresses carry no checksum (returns 'unchecked');
 * mixed case must match EIP-55 (returns 'valid' or 'invalid').
 */
export function eip55(addr: string): 'valid' | 'invalid' | 'unchecked' {
  const hex = addr.slice(2);
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) return 'invalid';
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return 'unchecked';
  const hash = keccak256(Buffer.from(hex.toLowerCase(), 'ascii'));
  for (let i = 0; i < 40; i++) {
    const ch = hex[i];
    if (ch >= '0' && ch <= '9') continue;
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    if (nibble >= 8 !== (ch === ch.toUpperCase())) return 'invalid';
  }
  return 'valid';
}

// ---------------------------------------------------------------------------------------------- entropy

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
