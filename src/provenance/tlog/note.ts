/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and C2SP checkpoints
 * (https://c2sp.org/tlog-checkpoint) carried in them.
 *
 * A signed note is UTF-8 text without ASCII control characters other than newline, ending in a newline, then a blank
 * line, then one or more signature lines `— <name> <base64(key hash (4 bytes, big-endian) || signature)>`. The
 * Ed25519 key hash is the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key). Verifier keys are written
 * `<name>+<8 hex>+<base64(0x01 || public key)>`, signer keys `PRIVATE+KEY+<name>+<8 hex>+<base64(0x01 || seed)>`.
 * Parsing follows golang.org/x/mod/sumdb/note `Open`: malformed lines are errors, at most 100 signatures, repeated
 * signatures by one key are ignored after the first, a known key with a bad signature rejects the note, and a note
 * without any signature from a known key is rejected.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { LimitError, ParseError, VerificationError } from '../../core/errors.js';

/** Signature algorithm byte for Ed25519 in C2SP signed-note keys. */
export const ALG_ED25519 = 0x01;
/** Largest note accepted by {@link openNote} (checkpoints are a few hundred bytes). */
export const MAX_NOTE_BYTES = 64 * 1024;
/** Most signature lines accepted (the Go reference implementation's bound). */
export const MAX_SIGNATURES = 100;

const SIG_PREFIX = '\u2014 ';
// PKCS#8 / SPKI DER prefixes for raw Ed25519 keys (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Key names: non-empty, no Unicode white space, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\u0000-\u001f\u007f]/.test(name) && isWellFormed(name);
}

function isWellFormed(s: string): boolean {
  // Lone surrogates cannot be encoded as UTF-8.
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** C2SP key hash: first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), as an unsigned 32-bit integer. */
export function keyHash(name: string, publicKey: Uint8Array): number {
  const h = createHash('sha256')
    .update(Buffer.from(name, 'utf8'))
    .update(Buffer.from([0x0a, ALG_ED25519]))
    .update(publicKey)
    .digest();
  return h.readUInt32BE(0);
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

export interface NoteVerifier {
  name: string;
  keyHash: number;
  publicKey: Buffer;
  /** The verifier key text. */
  text: string;
  key: KeyObject;
}

export interface NoteSigner {
  name: string;
  keyHash: number;
  key: KeyObject;
  verifier: NoteVerifier;
}

function strictBase64(s: string): Buffer | undefined {
  if (s.length === 0 || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/** Splits at the first `count - 1` plus signs (the last field, base64, may itself contain '+'). */
function chop(s: string, count: number): string[] | undefined {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function verifierFromPublicKey(name: string, publicKey: Buffer): NoteVerifier {
  const hash = keyHash(name, publicKey);
  const text = `${name}+${hex8(hash)}+${Buffer.concat([Buffer.from([ALG_ED25519]), publicKey]).toString('base64')}`;
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return { name, keyHash: hash, publicKey, text, key };
}

/** Parses a verifier key `<name>+<hex>+<base64(0x01||pubkey)>`; throws ParseError with a one-line reason. */
export function parseVerifierKey(text: string): NoteVerifier {
  const parts = chop(text.trim(), 3);
  if (!parts)
    throw new ParseError('verifier key must be NAME+KEYHASH+BASE64 (the key printed by `bulwark log init`)');
  const [name, hashHex, b64] = parts;
  const raw = strictBase64(b64);
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hashHex) || !raw)
    throw new ParseError('verifier key is malformed; expected NAME+8-hex-digit-keyhash+base64 key');
  if (raw[0] !== ALG_ED25519)
    throw new ParseError(`verifier key uses unknown algorithm ${raw[0]}; only Ed25519 (1)`);
  if (raw.length !== 33) throw new ParseError('verifier key is not a 32-byte Ed25519 public key');
  const v = verifierFromPublicKey(name, raw.subarray(1));
  if (v.keyHash !== parseInt(hashHex, 16)) throw new ParseError('verifier key hash does not match the key');
  return v;
}

/** Parses a signer key `PRIVATE+KEY+<name>+<hex>+<base64(0x01||seed)>`. Error messages never include the key. */
export function parseSignerKey(text: string): NoteSigner {
  const parts = chop(text.trim(), 5);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY')
    throw new ParseError('signer key is malformed; expected PRIVATE+KEY+NAME+KEYHASH+BASE64');
  const [, , name, hashHex, b64] = parts;
  const raw = strictBase64(b64);
  if (
    !isValidKeyName(name) ||
    !/^[0-9a-f]{8}$/.test(hashHex) ||
    !raw ||
    raw.length !== 33 ||
    raw[0] !== ALG_ED25519
  )
    throw new ParseError('signer key is malformed; expected an Ed25519 PRIVATE+KEY+NAME+KEYHASH+BASE64 key');
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, raw.subarray(1)]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const verifier = verifierFromPublicKey(name, Buffer.from(spki.subarray(SPKI_PREFIX.length)));
  if (verifier.keyHash !== parseInt(hashHex, 16))
    throw new ParseError('signer key hash does not match the key');
  return { name, keyHash: verifier.keyHash, key, verifier };
}

/** Generates an Ed25519 note key pair. `signerKey` is secret: store it with mode 0600 and never print it. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name))
    throw new ParseError(`key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  const seed = randomBytes(32);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const v = verifierFromPublicKey(name, Buffer.from(spki.subarray(SPKI_PREFIX.length)));
  const signerKey = `PRIVATE+KEY+${name}+${hex8(v.keyHash)}+${Buffer.concat([Buffer.from([ALG_ED25519]), seed]).toString('base64')}`;
  seed.fill(0);
  return { signerKey, verifierKey: v.text };
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new ParseError('note text must end with a newline');
  if (text.includes('\n\n')) throw new ParseError('note text must not contain a blank line');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text))
    throw new ParseError('note text contains a control character');
  if (!isWellFormed(text)) throw new ParseError('note text is not valid Unicode');
}

/** Signs `text` (ending in a newline) with each signer, giving the complete signed note. */
export function signNote(text: string, ...signers: NoteSigner[]): string {
  checkText(text);
  if (signers.length === 0) throw new ParseError('a signed note needs at least one signer');
  const msg = Buffer.from(text, 'utf8');
  let out = `${text}\n`;
  for (const s of signers) {
    const sig = sign(null, msg, s.key);
    const hb = Buffer.alloc(4);
    hb.writeUInt32BE(s.keyHash, 0);
    out += `${SIG_PREFIX}${s.name} ${Buffer.concat([hb, sig]).toString('base64')}\n`;
  }
  return out;
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  /** base64 of key hash || signature, as on the line. */
  base64: string;
}

export interface OpenedNote {
  text: string;
  /** Signatures by known keys, verified. */
  verified: NoteSignature[];
  /** Signatures by unknown keys (not checked). */
  unverified: NoteSignature[];
}

/**
 * Parses and verifies a signed note against `known` verifier keys (golang.org/x/mod/sumdb/note `Open` rules). Throws
 * ParseError for a malformed note, LimitError when it is too large, and VerificationError('bad-signature') when a
 * known key's signature is invalid or no known key signed it.
 */
export function openNote(note: string | Uint8Array, known: readonly NoteVerifier[]): OpenedNote {
  const bytes = typeof note === 'string' ? Buffer.from(note, 'utf8') : Buffer.from(note);
  if (bytes.length > MAX_NOTE_BYTES)
    throw new LimitError(
      'note-bytes',
      `signed note is ${bytes.length} bytes, above the ${MAX_NOTE_BYTES}-byte bound`,
    );
  const msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let s: string;
  try {
    s = msg.decode(bytes);
  } catch {
    throw new ParseError('signed note is not valid UTF-8');
  }
  if (/[\u0000-\u0009\u000b-\u001f]/.test(s))
    throw new ParseError('signed note contains a control character');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw new ParseError('signed note has no blank line before its signatures');
  const text = s.slice(0, split + 1);
  let sigs = s.slice(split + 2);
  if (sigs.length === 0 || !sigs.endsWith('\n'))
    throw new ParseError('signed note must end with a signature line');

  const byKey = new Map<string, NoteVerifier[]>();
  for (const v of known) {
    const k = `${v.name}+${hex8(v.keyHash)}`;
    byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  const out: OpenedNote = { text, verified: [], unverified: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  const msgBytes = Buffer.from(text, 'utf8');
  let count = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf('\n');
    const line = sigs.slice(0, nl);
    sigs = sigs.slice(nl + 1);
    if (!line.startsWith(SIG_PREFIX))
      throw new ParseError('signed note has a line that is not a signature line');
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    const raw = strictBase64(b64);
    if (!isValidKeyName(name) || !raw || raw.length < 5)
      throw new ParseError('signed note has a malformed signature line');
    if (++count > MAX_SIGNATURES)
      throw new ParseError(`signed note has more than ${MAX_SIGNATURES} signatures`);
    const hash = raw.readUInt32BE(0);
    const id = `${name}+${hex8(hash)}`;
    const candidates = byKey.get(id);
    if (!candidates) {
      if (!seenUnverified.has(rest)) {
        seenUnverified.add(rest);
        out.unverified.push({ name, keyHash: hash, base64: b64 });
      }
      continue;
    }
    if (candidates.length > 1) throw new ParseError(`ambiguous verifier key ${id}: it is listed twice`);
    if (seen.has(id)) continue;
    seen.add(id);
    if (!verify(null, msgBytes, candidates[0].key, raw.subarray(4)))
      throw new VerificationError('bad-signature', `invalid signature for key ${id} on the signed note`, {
        key: id,
      });
    out.verified.push({ name, keyHash: hash, base64: b64 });
  }
  if (out.verified.length === 0)
    throw new VerificationError(
      'wrong-key',
      "signed note has no signature from a known key; pass the log's verifier key",
      {
        signers: out.unverified.map((u) => `${u.name}+${hex8(u.keyHash)}`),
      },
    );
  return out;
}

/** C2SP tlog-checkpoint body. */
export interface Checkpoint {
  origin: string;
  size: number;
  /** 32-byte root hash. */
  root: Buffer;
  /** Extension lines after the root (kept verbatim; none are written by Bulwark). */
  extensions: string[];
}

/** Renders a checkpoint body: origin, decimal size, base64 root, each on its own line. */
export function formatCheckpoint(c: Omit<Checkpoint, 'extensions'> & { extensions?: string[] }): string {
  if (c.origin.length === 0 || /[\n]/.test(c.origin))
    throw new ParseError('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new ParseError('checkpoint size must be a non-negative integer');
  if (c.root.length !== 32) throw new ParseError('checkpoint root must be 32 bytes');
  const ext = (c.extensions ?? []).map((l) => `${l}\n`).join('');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${ext}`;
}

/** Parses a checkpoint body (the text of an opened note). Strict: decimal size without leading zeros, 32-byte root. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new ParseError('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new ParseError('checkpoint needs origin, size and root hash lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin.length === 0) throw new ParseError('checkpoint origin line is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine)))
    throw new ParseError('checkpoint size line is not a decimal tree size');
  const root = strictBase64(rootLine);
  if (!root || root.length !== 32) throw new ParseError('checkpoint root line is not a base64 32-byte hash');
  if (extensions.some((l) => l.length === 0)) throw new ParseError('checkpoint has an empty extension line');
  return { origin, size: Number(sizeLine), root, extensions };
}

/** Opens a signed checkpoint note with `known` keys and parses its body; `origin`, when given, must match. */
export function openCheckpoint(
  note: string | Uint8Array,
  known: readonly NoteVerifier[],
  origin?: string,
): Checkpoint & { note: OpenedNote } {
  const opened = openNote(note, known);
  const cp = parseCheckpoint(opened.text);
  if (origin !== undefined && cp.origin !== origin)
    throw new VerificationError(
      'wrong-key',
      `checkpoint is for log ${JSON.stringify(cp.origin)}, not ${JSON.stringify(origin)}`,
    );
  return { ...cp, note: opened };
}
