import { readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../src/core/errors.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import { manifestToStatement, statementPayload } from '../../src/provenance/oms/statement.js';
import { verifyModel, type VerifyModelOptions } from '../../src/provenance/oms/verify-model.js';
import { createCertificateVerifier } from '../../src/provenance/signing/certificate.js';
import { signingMethodOf } from '../../src/provenance/signing/dispatch.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/key.js';
import type { EnvelopeVerifier } from '../../src/provenance/signing/types.js';
import { cleanupTmp, copyVector, ecKeyPair, KEYS, makePki, MT, SPEC, type TestPki } from './sign-helpers.js';

const keyVerifier = createKeyVerifier(readFileSync(path.join(KEYS, 'signing-key-pub.pem')));
const certVerifier = createCertificateVerifier({
  trustedRoots: readFileSync(path.join(KEYS, 'ca-cert.pem')),
});

/** How each reference vector is verified: single-file ones name the file, v1.0.1 needs --ignore-paths ignore-me. */
interface Case {
  dir: string;
  verifier: EnvelopeVerifier;
  file?: string;
  root?: string;
  compat: string[];
  signer: Record<string, unknown>;
}
const KEY_SIGNER = {
  method: 'key',
  keyHint: 'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e',
};
const CERT_SIGNER = { method: 'certificate', subject: 'CN=intermediate-ca', issuer: 'CN=intermediate-ca' };
const ROOT_KEY = '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4';
const ROOT_CERT = '61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226';
const ROOT_SINGLE = 'afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b';
const CASES: Case[] = [
  {
    dir: 'v0.3.1-elliptic-key',
    verifier: keyVerifier,
    file: 'signme-1',
    root: ROOT_SINGLE,
    compat: [],
    signer: KEY_SIGNER,
  },
  {
    dir: 'v1.0.0-elliptic-key',
    verifier: keyVerifier,
    file: 'signme-1',
    root: ROOT_SINGLE,
    compat: [],
    signer: KEY_SIGNER,
  },
  { dir: 'v1.0.1-elliptic-key', verifier: keyVerifier, root: ROOT_KEY, compat: [], signer: KEY_SIGNER },
  { dir: 'v1.1.0-elliptic-key', verifier: keyVerifier, root: ROOT_KEY, compat: [], signer: KEY_SIGNER },
  {
    dir: 'v0.2.0-certificate',
    verifier: certVerifier,
    compat: ['model_signing-0.2.0-pae', 'v0.1-predicate'],
    signer: CERT_SIGNER,
  },
  { dir: 'v0.3.1-certificate', verifier: certVerifier, root: ROOT_CERT, compat: [], signer: CERT_SIGNER },
  { dir: 'v1.0.0-certificate', verifier: certVerifier, root: ROOT_CERT, compat: [], signer: CERT_SIGNER },
  { dir: 'v1.0.1-certificate', verifier: certVerifier, root: ROOT_CERT, compat: [], signer: CERT_SIGNER },
  { dir: 'v1.1.0-certificate', verifier: certVerifier, root: ROOT_CERT, compat: [], signer: CERT_SIGNER },
];

function run(c: Case, base = path.join(MT, c.dir), extra: VerifyModelOptions = {}) {
  const sig = path.join(base, 'model.sig');
  return verifyModel(c.file ? path.join(base, c.file) : base, readFileSync(sig), c.verifier, {
    signaturePath: sig,
    ignorePaths: c.dir.startsWith('v1.0.1') ? [path.join(base, 'ignore-me')] : [],
    ...extra,
  });
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VerificationError) return err.reason;
    throw err;
  }
  return 'verified';
}

afterAll(cleanupTmp);

describe('model-transparency reference vectors (key and certificate, v0.2.0 to v1.1.0)', () => {
  it('covers every key and certificate vector directory', async () => {
    const { readdirSync } = await import('node:fs');
    const dirs = readdirSync(MT).filter((d) => /^v.*-(elliptic-key|certificate)$/.test(d));
    expect(dirs.sort()).toEqual(CASES.map((c) => c.dir).sort());
  });

  for (const c of CASES)
    it(`${c.dir} verifies`, async () => {
      const r = await run(c);
      expect(r.verified).toBe(true);
      expect(r.signer).toEqual(c.signer);
      expect(r.rootDigest).toBe(c.root);
      expect(r.compat).toEqual(c.compat);
      expect(r.resources).toBe(c.file ? 1 : 2);
    });

  it('v1.0.1 without --ignore-paths ignore-me fails: ignore-me is not signed (extra-file)', async () => {
    const c = CASES.find((x) => x.dir === 'v1.0.1-elliptic-key')!;
    const sig = path.join(MT, c.dir, 'model.sig');
    const err = await verifyModel(path.join(MT, c.dir), readFileSync(sig), keyVerifier, {
      signaturePath: sig,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).reason).toBe('extra-file');
    expect((err as VerificationError).message).toContain('ignore-me');
    // with --ignore-unsigned-files it passes
    const ok = await verifyModel(path.join(MT, c.dir), readFileSync(sig), keyVerifier, {
      signaturePath: sig,
      ignoreUnsignedFiles: true,
    });
    expect(ok.verified).toBe(true);
  });

  it('v1.1.0 needs no --ignore-paths: the signed ignore_paths (ignore-me, model.sig) are honoured', async () => {
    const dir = path.join(MT, 'v1.1.0-elliptic-key');
    const r = await verifyModel(dir, readFileSync(path.join(dir, 'model.sig')), keyVerifier);
    expect(r.verified).toBe(true);
  });

  it('reproduces the v1.1.0 payload byte for byte from hashing the directory', async () => {
    const dir = path.join(MT, 'v1.1.0-elliptic-key');
    const bundle = JSON.parse(readFileSync(path.join(dir, 'model.sig'), 'utf8'));
    const manifest = await hashModelSerial(dir, {
      ignorePaths: ['.git', 'model.sig', 'ignore-me', '.gitattributes', '.gitignore', '.github'],
    });
    const payload = statementPayload(manifestToStatement(manifest));
    expect(payload.equals(Buffer.from(bundle.dsseEnvelope.payload, 'base64'))).toBe(true);
  });
});

describe('tampering with copies of the vectors', () => {
  const tamperCases = CASES.filter((c) =>
    ['v1.1.0-elliptic-key', 'v1.0.0-elliptic-key', 'v0.2.0-certificate', 'v1.1.0-certificate'].includes(
      c.dir,
    ),
  );
  for (const c of tamperCases) {
    it(`${c.dir}: modified file → tampered-file naming it`, async () => {
      const copy = copyVector(c.dir);
      appendFileSync(path.join(copy, 'signme-1'), 'x');
      const err = (await run(c, copy).catch((e: unknown) => e)) as VerificationError;
      expect(err.reason).toBe('tampered-file');
      expect(err.message).toContain(c.file ? '"."' : 'signme-1');
    });
    if (!c.file) {
      it(`${c.dir}: added file → extra-file, accepted with ignoreUnsignedFiles`, async () => {
        const copy = copyVector(c.dir);
        writeFileSync(path.join(copy, 'added.bin'), 'new');
        const err = (await run(c, copy).catch((e: unknown) => e)) as VerificationError;
        expect(err.reason).toBe('extra-file');
        expect(err.details.extra).toEqual(['added.bin']);
        expect((await run(c, copy, { ignoreUnsignedFiles: true })).verified).toBe(true);
      });
      it(`${c.dir}: deleted file → missing-file (also with ignoreUnsignedFiles)`, async () => {
        const copy = copyVector(c.dir);
        rmSync(path.join(copy, 'signme-2'));
        expect(await reason(run(c, copy))).toBe('missing-file');
        expect(await reason(run(c, copy, { ignoreUnsignedFiles: true }))).toBe('missing-file');
      });
    }
  }

  it('a copy verifies (the copy itself is not a difference)', async () => {
    const c = CASES.find((x) => x.dir === 'v1.1.0-certificate')!;
    expect((await run(c, copyVector(c.dir))).verified).toBe(true);
  });
});

describe('wrong trust inputs and broken bundles', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki();
  });

  it('another key: wrong-key when the bundle names its key (hint or rawBytes), bad-signature when it does not', async () => {
    const other = createKeyVerifier(ecKeyPair('P-384').publicPem);
    const c11 = { ...CASES.find((x) => x.dir === 'v1.1.0-elliptic-key')!, verifier: other };
    const c10 = { ...CASES.find((x) => x.dir === 'v1.0.0-elliptic-key')!, verifier: other };
    expect(await reason(run(c11))).toBe('wrong-key');
    expect(await reason(run(c10))).toBe('wrong-key');
    const b = JSON.parse(readFileSync(path.join(MT, 'v1.1.0-elliptic-key', 'model.sig'), 'utf8'));
    delete b.verificationMaterial.publicKey.hint;
    const dir = path.join(MT, 'v1.1.0-elliptic-key');
    expect(await reason(verifyModel(dir, b, other))).toBe('bad-signature');
    // with the right key, a bundle without a hint verifies with a warning
    const ok = await verifyModel(dir, b, keyVerifier);
    expect(ok.warnings.join(' ')).toMatch(/no key hint/);
  });

  it('a certificate chain that does not lead to the given root → untrusted-certificate', async () => {
    const wrong = createCertificateVerifier({ trustedRoots: readFileSync(pki.otherRootPem) });
    const c = { ...CASES.find((x) => x.dir === 'v1.1.0-certificate')!, verifier: wrong };
    expect(await reason(run(c))).toBe('untrusted-certificate');
    const c02 = { ...CASES.find((x) => x.dir === 'v0.2.0-certificate')!, verifier: wrong };
    expect(await reason(run(c02))).toBe('untrusted-certificate');
  });

  it('a root bundle file with several certificates: the right one among them is found', async () => {
    const both =
      readFileSync(pki.otherRootPem, 'utf8') + readFileSync(path.join(KEYS, 'ca-cert.pem'), 'utf8');
    const c = {
      ...CASES.find((x) => x.dir === 'v1.1.0-certificate')!,
      verifier: createCertificateVerifier({ trustedRoots: both }),
    };
    expect((await run(c)).verified).toBe(true);
  });

  it('validity is checked at the leaf notBefore: a time after the chain expired fails', async () => {
    const late = createCertificateVerifier({
      trustedRoots: readFileSync(path.join(KEYS, 'ca-cert.pem')),
      at: new Date('2040-01-01T00:00:00Z'),
    });
    const c = { ...CASES.find((x) => x.dir === 'v1.1.0-certificate')!, verifier: late };
    expect(await reason(run(c))).toBe('untrusted-certificate');
  });

  it('key bundle given to the certificate verifier (and vice versa) → wrong-key', async () => {
    const k = { ...CASES.find((x) => x.dir === 'v1.1.0-elliptic-key')!, verifier: certVerifier };
    const ce = { ...CASES.find((x) => x.dir === 'v1.1.0-certificate')!, verifier: keyVerifier };
    expect(await reason(run(k))).toBe('wrong-key');
    expect(await reason(run(ce))).toBe('wrong-key');
  });

  const dir = path.join(MT, 'v1.1.0-elliptic-key');
  const text = readFileSync(path.join(dir, 'model.sig'), 'utf8');

  it('mediaType changed → wrong-media-type (the signature itself is still valid)', async () => {
    for (const mt of [
      'application/vnd.dev.sigstore.bundle.v0.2+json',
      'application/vnd.dev.sigstore.bundle+json;version=0.3',
      'application/json',
    ]) {
      const b = JSON.parse(text);
      b.mediaType = mt;
      const err = (await verifyModel(dir, b, keyVerifier).catch((e: unknown) => e)) as VerificationError;
      expect(err.reason).toBe('wrong-media-type');
      expect(err.message).toContain(mt);
    }
  });

  it('truncated, garbage or non-object JSON → malformed-bundle saying what is wrong', async () => {
    const cases: [string | Buffer, RegExp][] = [
      [text.slice(0, text.length / 2), /not valid JSON/],
      [Buffer.from([0xff, 0xfe, 0x00, 0x42]), /not valid JSON/],
      ['', /not valid JSON/],
      ['[]', /not a JSON object/],
      ['{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}', /verificationMaterial/],
    ];
    for (const [input, msg] of cases) {
      const err = (await verifyModel(dir, input, keyVerifier).catch((e: unknown) => e)) as VerificationError;
      expect(err.reason).toBe('malformed-bundle');
      expect(err.message).toMatch(msg);
    }
  });

  it('payload changed after signing → bad-signature', async () => {
    const b = JSON.parse(text);
    const payload = Buffer.from(b.dsseEnvelope.payload, 'base64').toString().replace('signme-2', 'signme-3');
    b.dsseEnvelope.payload = Buffer.from(payload).toString('base64');
    expect(await reason(verifyModel(dir, b, keyVerifier))).toBe('bad-signature');
  });
});

describe('ossf/model-signing-spec v1.0 test vectors', () => {
  const model = path.join(MT, 'v1.1.0-elliptic-key');
  const opts = { ignorePaths: [path.join(model, 'model.sig')] };

  it('valid/key.bundle.json verifies with the reference key over the model-transparency v1.1.0 files', async () => {
    const r = await verifyModel(
      model,
      readFileSync(path.join(SPEC, 'valid', 'key.bundle.json')),
      keyVerifier,
      opts,
    );
    expect(r.modelName).toBe('model');
    expect(r.rootDigest).toBe(ROOT_KEY);
  });

  it('valid/certificate.bundle.json verifies against ca-cert.pem', async () => {
    const r = await verifyModel(
      model,
      readFileSync(path.join(SPEC, 'valid', 'certificate.bundle.json')),
      certVerifier,
      opts,
    );
    expect(r.signer.method).toBe('certificate');
    expect(r.rootDigest).toBe(ROOT_KEY);
  });

  it('invalid/* fail as malformed bundles, each for its own reason', async () => {
    const expected: Record<string, RegExp> = {
      'empty.bundle.json': /not valid JSON/,
      'missing-envelope.bundle.json': /dsseEnvelope/,
      'missing-verification-material.bundle.json': /verificationMaterial/,
      'missing-tlog-entries.bundle.json': /tlogEntries/,
    };
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(SPEC, 'invalid')).sort()).toEqual(Object.keys(expected).sort());
    for (const [f, msg] of Object.entries(expected)) {
      const err = (await verifyModel(
        model,
        readFileSync(path.join(SPEC, 'invalid', f)),
        keyVerifier,
        opts,
      ).catch((e: unknown) => e)) as VerificationError;
      expect(err.reason, f).toBe('malformed-bundle');
      expect(err.message, f).toMatch(msg);
    }
  });

  it('invalid-payload/wrong-predicate.bundle.json is rejected: it is not a model signature', async () => {
    const err = (await verifyModel(
      model,
      readFileSync(path.join(SPEC, 'invalid-payload', 'wrong-predicate.bundle.json')),
      keyVerifier,
      opts,
    ).catch((e: unknown) => e)) as VerificationError;
    // Its signature is the one of valid/key.bundle.json over the edited payload, so the signature fails first
    // (model_signing also checks the signature before the statement).
    expect(err.reason).toBe('bad-signature');
    // Re-signed with the reference private key, the same payload fails on its predicate type.
    const b = JSON.parse(
      readFileSync(path.join(SPEC, 'invalid-payload', 'wrong-predicate.bundle.json'), 'utf8'),
    );
    const payload = Buffer.from(b.dsseEnvelope.payload, 'base64');
    const resigned = await createKeySigner(readFileSync(path.join(KEYS, 'signing-key.pem'))).sign(
      b.dsseEnvelope.payloadType,
      payload,
    );
    const err2 = (await verifyModel(model, resigned, keyVerifier, opts).catch(
      (e: unknown) => e,
    )) as VerificationError;
    expect(err2.reason).toBe('wrong-predicate-type');
    expect(err2.message).toContain('https://example.com/wrong-predicate/v1.0');
  });
});

describe('sigstore (keyless) vectors are routed to the sigstore method', () => {
  for (const d of ['v0.3.1-sigstore', 'v1.0.0-sigstore', 'v1.0.1-sigstore', 'v1.1.0-sigstore']) {
    it(`${d}: certificate.rawBytes → sigstore; key and certificate verifiers refuse it with wrong-key`, async () => {
      const b = JSON.parse(readFileSync(path.join(MT, d, 'model.sig'), 'utf8'));
      expect(signingMethodOf(b)).toBe('sigstore');
      const err = (await verifyModel(path.join(MT, d), b, keyVerifier).catch(
        (e: unknown) => e,
      )) as VerificationError;
      expect(err.reason).toBe('wrong-key');
      expect(err.message).toMatch(/sigstore/i);
    });
  }
  it('spec valid/sigstore.bundle.json routes to sigstore; key and certificate bundles route to their methods', () => {
    const j = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
    expect(signingMethodOf(j(path.join(SPEC, 'valid', 'sigstore.bundle.json')))).toBe('sigstore');
    expect(signingMethodOf(j(path.join(SPEC, 'valid', 'key.bundle.json')))).toBe('key');
    expect(signingMethodOf(j(path.join(SPEC, 'valid', 'certificate.bundle.json')))).toBe('certificate');
  });
});
