import { describe, expect, it } from 'vitest';
import { LimitError, ParseError, VerificationError } from '../../src/core/errors.js';
import {
  formatCheckpoint,
  generateNoteKey,
  keyHash,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/provenance/tlog/note.js';

// Published example values from golang.org/x/mod/sumdb/note (note_test.go), pasted as facts.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const errorOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
};

describe('C2SP signed note (golang.org/x/mod/sumdb/note examples)', () => {
  it('signing the example text with the example key gives the published note byte for byte', () => {
    const signer = parseSignerKey(PETER_SKEY);
    expect(signer.verifier.text).toBe(PETER_VKEY);
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(signNote(TEXT, signer)).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('key hash = SHA-256(name || 0x0A || 0x01 || pubkey)[:4]', () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(keyHash('PeterNeumann', v.publicKey)).toBe(0xc74f20a3);
    expect(parseVerifierKey(ENOCH_VKEY).keyHash).toBe(0xaf0cfe78);
  });

  it('opens with one known and one unknown signer, and with both known', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    const enoch = parseVerifierKey(ENOCH_VKEY);
    const one = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter]);
    expect(one.text).toBe(TEXT);
    expect(one.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(one.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
    const both = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch]);
    expect(both.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    // Duplicate signatures by one key are dropped after the first.
    const dup = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}`, [peter]);
    expect(dup.verified).toHaveLength(1);
    expect(dup.unverified).toHaveLength(1);
  });

  it('rejects: no known signer, an invalid signature, too many signatures, malformed notes', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    const none = errorOf(() => openNote(`${TEXT}\n${PETER_SIG}`, []));
    expect(none).toBeInstanceOf(VerificationError);
    expect((none as VerificationError).reason).toBe('wrong-key');
    const tampered = errorOf(() =>
      openNote(`${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`, [peter]),
    );
    expect(tampered).toBeInstanceOf(VerificationError);
    expect((tampered as VerificationError).reason).toBe('bad-signature');
    const changedText = errorOf(() => openNote(`${TEXT.replace('answer', 'Answer')}\n${PETER_SIG}`, [peter]));
    expect((changedText as VerificationError).reason).toBe('bad-signature');
    expect(errorOf(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]))).toBeInstanceOf(ParseError);
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n-- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
    ];
    for (const msg of bad) expect(errorOf(() => openNote(msg, [peter]))).toBeInstanceOf(ParseError);
    // Invalid UTF-8.
    const invalid = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(errorOf(() => openNote(invalid, [peter]))).toBeInstanceOf(ParseError);
    // Size bound.
    expect(errorOf(() => openNote(`${'a'.repeat(70_000)}\n\n${PETER_SIG}`, [peter]))).toBeInstanceOf(
      LimitError,
    );
    // The same key listed twice is ambiguous.
    expect(errorOf(() => openNote(`${TEXT}\n${PETER_SIG}`, [peter, peter]))).toBeInstanceOf(ParseError);
  });

  it('rejects mangled keys (every strict prefix and every single-character change)', () => {
    for (let i = 1; i < PETER_VKEY.length; i++)
      expect(errorOf(() => parseVerifierKey(PETER_VKEY.slice(0, i)))).toBeInstanceOf(ParseError);
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const mangled =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(errorOf(() => parseVerifierKey(mangled))).toBeDefined();
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const mangled =
        PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      const err = errorOf(() => parseSignerKey(mangled));
      expect(err).toBeDefined();
      // A signer-key error never echoes the key.
      expect(String((err as Error).message)).not.toContain('AYEKFALV');
    }
    // Unknown algorithm, with adjusted key hash (from note_test.go).
    expect(
      errorOf(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')),
    ).toBeInstanceOf(ParseError);
  });

  it('generated keys sign and verify; a different key does not verify', () => {
    const a = generateNoteKey('example.com/log');
    const b = generateNoteKey('example.com/log');
    expect(a.signerKey.startsWith('PRIVATE+KEY+example.com/log+')).toBe(true);
    const note = signNote('hello\n', parseSignerKey(a.signerKey));
    expect(openNote(note, [parseVerifierKey(a.verifierKey)]).verified).toHaveLength(1);
    expect(errorOf(() => openNote(note, [parseVerifierKey(b.verifierKey)]))).toBeInstanceOf(
      VerificationError,
    );
  });
});

describe('C2SP checkpoints', () => {
  it('formats, signs, opens and parses a checkpoint', () => {
    const k = generateNoteKey('bulwark.test/log');
    const root = Buffer.alloc(32, 7);
    const body = formatCheckpoint({ origin: 'bulwark.test/log', size: 42, root });
    expect(body).toBe(`bulwark.test/log\n42\n${root.toString('base64')}\n`);
    const note = signNote(body, parseSignerKey(k.signerKey));
    const cp = openCheckpoint(note, [parseVerifierKey(k.verifierKey)], 'bulwark.test/log');
    expect(cp.size).toBe(42);
    expect(cp.root).toEqual(root);
    expect(
      errorOf(() => openCheckpoint(note, [parseVerifierKey(k.verifierKey)], 'other/log')),
    ).toBeInstanceOf(VerificationError);
  });

  it('is strict about the body', () => {
    const root = Buffer.alloc(32, 1).toString('base64');
    for (const bad of [
      `o\n042\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n1\n${Buffer.alloc(31).toString('base64')}\n`,
      `o\n1\n${root}`,
      `\n1\n${root}\n`,
      `o\n1\n`,
      `o\n1e3\n${root}\n`,
    ])
      expect(errorOf(() => parseCheckpoint(bad))).toBeInstanceOf(ParseError);
    expect(parseCheckpoint(`o\n0\n${root}\next one\n`).extensions).toEqual(['ext one']);
  });
});
