import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, VerificationError } from '../../src/core/errors.js';
import { pae } from '../../src/provenance/dsse.js';
import { bundleToJson, signModel } from '../../src/provenance/oms/sign-model.js';
import { pyFloat, pyString, statementPayload } from '../../src/provenance/oms/statement.js';
import { verifyModel } from '../../src/provenance/oms/verify-model.js';
import {
  createCertificateSigner,
  createCertificateVerifier,
} from '../../src/provenance/signing/certificate.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/key.js';
import { certificateUsage, parseCertificates } from '../../src/provenance/signing/x509.js';
import {
  cleanupTmp,
  copyVector,
  ecKeyPair,
  KEYS,
  makeModel,
  makePki,
  MT,
  type Curve,
  type TestPki,
} from './sign-helpers.js';

afterAll(cleanupTmp);

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VerificationError) return err.reason;
    throw err;
  }
  return 'verified';
}

const FILES = {
  'config.json': '{"a": 1}',
  'weights/layer-0.bin': Buffer.alloc(3000, 7),
  'weights/layer-1.bin': Buffer.alloc(10, 1),
  'a-b': '1',
  'a/c': '2',
  'tokenizer/vocab é.txt': 'unicode name',
};

describe('key method round trip', () => {
  const HASH: Record<Curve, string> = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' };
  for (const curve of ['P-256', 'P-384', 'P-521'] as Curve[]) {
    it(`${curve}: signs with ${HASH[curve]} and verifies; another curve's digest does not verify`, async () => {
      const { privatePem, publicPem } = ecKeyPair(curve);
      const model = makeModel(FILES);
      const sig = path.join(model, 'model.sig');
      const signed = await signModel(model, createKeySigner(privatePem), { signaturePath: sig });
      writeFileSync(sig, bundleToJson(signed.bundle));
      expect(signed.bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
      expect(signed.bundle.verificationMaterial).toEqual({
        publicKey: { hint: expect.stringMatching(/^[0-9a-f]{64}$/) },
        tlogEntries: [],
      });
      expect(signed.bundle.dsseEnvelope.signatures).toEqual([{ sig: expect.any(String), keyid: '' }]);
      // Python order: a/c before a-b; the signature file is recorded as ignored
      expect(signed.manifest.resources.map((r) => r.name)).toEqual([
        'a/c',
        'a-b',
        'config.json',
        'tokenizer/vocab é.txt',
        'weights/layer-0.bin',
        'weights/layer-1.bin',
      ]);
      expect(signed.statement.predicate.serialization.ignore_paths).toEqual([
        'model.sig',
        '.git',
        '.gitattributes',
        '.github',
        '.gitignore',
      ]);
      // non-ASCII escaped as Python's json does
      expect(signed.payload.toString()).toContain('"tokenizer/vocab \\u00e9.txt"');
      const der = Buffer.from(signed.bundle.dsseEnvelope.signatures[0].sig, 'base64');
      const key = createPublicKey(publicPem);
      const data = pae('application/vnd.in-toto+json', signed.payload);
      expect(cryptoVerify(HASH[curve], data, key, der)).toBe(true);
      const wrongDigest = curve === 'P-256' ? 'sha512' : 'sha256';
      expect(cryptoVerify(wrongDigest, data, key, der)).toBe(false);

      const r = await verifyModel(model, readFileSync(sig), createKeyVerifier(publicPem), {
        signaturePath: sig,
      });
      expect(r.files).toBe(6);
      expect(r.rootDigest).toBe(signed.manifest.rootDigest);
      expect(r.signer.keyHint).toBe(signed.bundle.verificationMaterial.publicKey?.hint);
      // and it still catches tampering
      appendFileSync(path.join(model, 'weights', 'layer-1.bin'), 'x');
      const err = (await verifyModel(model, readFileSync(sig), createKeyVerifier(publicPem), {
        signaturePath: sig,
      }).catch((e: unknown) => e)) as VerificationError;
      expect(err.reason).toBe('tampered-file');
      expect(err.details.tampered).toEqual(['weights/layer-1.bin']);
    });
  }

  it('the committed reference private key reproduces the v1.1.0 bundle (except the randomised signature)', async () => {
    const model = copyVector('v1.1.0-elliptic-key');
    const ref = JSON.parse(readFileSync(path.join(MT, 'v1.1.0-elliptic-key', 'model.sig'), 'utf8'));
    const signed = await signModel(model, createKeySigner(readFileSync(path.join(KEYS, 'signing-key.pem'))), {
      ignorePaths: ['.git', 'model.sig', 'ignore-me', '.gitattributes', '.gitignore', '.github'].map((p) =>
        path.join(model, p),
      ),
    });
    expect(signed.bundle.verificationMaterial).toEqual(ref.verificationMaterial);
    expect(signed.bundle.dsseEnvelope.payload).toBe(ref.dsseEnvelope.payload);
    expect(signed.bundle.dsseEnvelope.payloadType).toBe(ref.dsseEnvelope.payloadType);
    expect(Object.keys(JSON.parse(bundleToJson(signed.bundle)))).toEqual(Object.keys(ref));
    // verifies with the reference public key, on the original vector directory too
    const pub = createKeyVerifier(readFileSync(path.join(KEYS, 'signing-key-pub.pem')));
    const dir = path.join(MT, 'v1.1.0-elliptic-key');
    expect((await verifyModel(dir, signed.bundle, pub)).verified).toBe(true);
  });

  it('encrypted private keys need the passphrase', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const enc = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' });
    expect(() => createKeySigner(enc)).toThrow(UsageError);
    expect(() => createKeySigner(enc, { passphrase: 'nope' })).toThrow(/password/);
    const model = makeModel({ f: 'x' });
    const signed = await signModel(model, createKeySigner(enc, { passphrase: 'pw' }));
    expect((await verifyModel(model, signed.bundle, createKeyVerifier(publicKey))).verified).toBe(true);
  });

  it('refuses keys OMS cannot use (RSA, Ed25519, secp256k1)', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
    for (const k of [rsa, ed, k1]) expect(() => createKeySigner(k)).toThrow(/P-256, P-384 or P-521/);
    expect(() => createKeyVerifier(generateKeyPairSync('ed25519').publicKey)).toThrow(UsageError);
    expect(() => createKeySigner('not a key')).toThrow(UsageError);
  });
});

describe('serialization options round trip', () => {
  const { privatePem, publicPem } = ecKeyPair('P-256');
  const signer = createKeySigner(privatePem);
  const verifier = createKeyVerifier(publicPem);

  it('shards: float shard_size, sha256-sharded-N names, truncation is tampering', async () => {
    const model = makeModel({ 'big.bin': Buffer.alloc(20, 3), 'small.bin': 'abc', 'empty.bin': '' });
    const signed = await signModel(model, signer, { method: 'shards', shardSize: 8 });
    const text = signed.payload.toString();
    expect(text).toContain('"shard_size": 8.0');
    expect(signed.manifest.resources.map((r) => r.name)).toEqual([
      'big.bin:0:8',
      'big.bin:8:16',
      'big.bin:16:20',
      'small.bin:0:3',
    ]);
    expect(signed.manifest.resources[0].algorithm).toBe('sha256-sharded-8');
    expect((await verifyModel(model, signed.bundle, verifier)).resources).toBe(4);
    truncateSync(path.join(model, 'big.bin'), 12);
    const err = (await verifyModel(model, signed.bundle, verifier).catch(
      (e: unknown) => e,
    )) as VerificationError;
    expect(err.reason).toBe('tampered-file');
    expect(err.details.tampered).toEqual(['big.bin']);
  });

  for (const hashType of ['blake2b', 'blake3'] as const)
    it(`${hashType} files mode`, async () => {
      const model = makeModel({ a: 'one', 'b/c': 'two' });
      const signed = await signModel(model, signer, { hashType });
      expect(signed.manifest.resources[0].algorithm).toBe(hashType);
      expect(signed.manifest.resources[0].digest).toHaveLength(hashType === 'blake2b' ? 128 : 64);
      expect((await verifyModel(model, signed.bundle, verifier)).hashType).toBe(hashType);
    });

  it('single-file model: resource "." as model_signing writes it, and it verifies', async () => {
    const dir = makeModel({ 'weights.safetensors': 'tensor bytes' });
    const file = path.join(dir, 'weights.safetensors');
    const signed = await signModel(file, signer);
    expect(signed.manifest.resources.map((r) => r.name)).toEqual(['.']);
    expect(signed.statement.subject[0].name).toBe('weights.safetensors');
    expect((await verifyModel(file, signed.bundle, verifier)).files).toBe(1);
  });

  it('an empty model is refused unless allowed, and its signature fails verification unless allowed', async () => {
    const model = makeModel({ '.gitignore': 'x' });
    await expect(signModel(model, signer)).rejects.toThrow(UsageError);
    const signed = await signModel(model, signer, { allowEmpty: true });
    expect(signed.manifest.rootDigest).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(signed.payload.toString()).toContain('"resources": []');
    expect(await reason(verifyModel(model, signed.bundle, verifier))).toBe('empty-model');
    expect((await verifyModel(model, signed.bundle, verifier, { allowEmpty: true })).resources).toBe(0);
  });

  it('symlinks: an error unless allowed; allowed links are hashed under the link name', async () => {
    const model = makeModel({ 'real.bin': 'data' });
    symlinkSync(path.join(model, 'real.bin'), path.join(model, 'link.bin'));
    await expect(signModel(model, signer)).rejects.toThrow(/symbolic link/);
    const signed = await signModel(model, signer, { allowSymlinks: true });
    expect(signed.statement.predicate.serialization.allow_symlinks).toBe(true);
    expect(signed.manifest.resources.map((r) => r.name)).toEqual(['link.bin', 'real.bin']);
    expect((await verifyModel(model, signed.bundle, verifier)).files).toBe(2);
  });
});

describe('statement JSON as Python writes it', () => {
  it('floats and strings', () => {
    expect(pyFloat(8)).toBe('8.0');
    expect(pyFloat(1_000_000_000)).toBe('1000000000.0');
    expect(pyFloat(1e16)).toBe('1e+16');
    expect(pyFloat(0.5)).toBe('0.5');
    expect(pyString('a"b\\c\n\u0001é😀')).toBe('"a\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00"');
  });
  it('layout: two-space indent, no trailing newline, empty containers inline', () => {
    const out = statementPayload({
      _type: 't',
      subject: [],
      predicateType: 'p',
      predicate: { a: [1], b: {} },
    }).toString();
    expect(out).toBe(
      '{\n  "_type": "t",\n  "subject": [],\n  "predicateType": "p",\n  "predicate": {\n    "a": [\n      1.0\n    ],\n    "b": {}\n  }\n}',
    );
  });
});

describe('certificate method', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makePki('P-384');
  });
  const rd = (p: string) => readFileSync(p);

  it('signs with leaf + intermediate and verifies against the root; leaf first in the bundle', async () => {
    const model = makeModel({ 'w.bin': 'weights', 'cfg.json': '{}' });
    const signer = createCertificateSigner({
      privateKey: rd(pki.leafKey),
      signingCertificate: rd(pki.leafPem),
      certificateChain: [rd(pki.intPem)],
    });
    const signed = await signModel(model, signer);
    const chain = signed.bundle.verificationMaterial.x509CertificateChain!.certificates;
    expect(chain).toHaveLength(2);
    expect(Buffer.from(chain[0].rawBytes, 'base64').equals(parseCertificates(rd(pki.leafPem))[0].raw)).toBe(
      true,
    );
    expect(Buffer.from(chain[1].rawBytes, 'base64').equals(parseCertificates(rd(pki.intPem))[0].raw)).toBe(
      true,
    );
    expect(signed.bundle.verificationMaterial.tlogEntries).toEqual([]);
    const r = await verifyModel(
      model,
      signed.bundle,
      createCertificateVerifier({ trustedRoots: rd(pki.rootPem) }),
    );
    expect(r.signer).toEqual({
      method: 'certificate',
      subject: 'CN=bulwark-test-signer (email:signer@example.com)',
      issuer: 'CN=bulwark-test-intermediate',
    });
    // wrong root, and no intermediate in the bundle
    expect(
      await reason(
        verifyModel(model, signed.bundle, createCertificateVerifier({ trustedRoots: rd(pki.otherRootPem) })),
      ),
    ).toBe('untrusted-certificate');
    const noInt = await signModel(
      model,
      createCertificateSigner({ privateKey: rd(pki.leafKey), signingCertificate: rd(pki.leafPem) }),
    );
    expect(
      await reason(
        verifyModel(model, noInt.bundle, createCertificateVerifier({ trustedRoots: rd(pki.rootPem) })),
      ),
    ).toBe('untrusted-certificate');
  });

  it('a leaf issued directly by the root with only EKU codeSigning verifies', async () => {
    const model = makeModel({ x: 'y' });
    const signed = await signModel(
      model,
      createCertificateSigner({
        privateKey: rd(pki.directLeafKey),
        signingCertificate: rd(pki.directLeafPem),
      }),
    );
    const r = await verifyModel(
      model,
      signed.bundle,
      createCertificateVerifier({ trustedRoots: rd(pki.rootPem) }),
    );
    expect(r.signer.subject).toBe('CN=bulwark-test-direct');
    expect(certificateUsage(parseCertificates(rd(pki.directLeafPem))[0].raw)).toEqual({
      extKeyUsage: ['1.3.6.1.5.5.7.3.3'],
    });
  });

  it('a leaf without digitalSignature or codeSigning → certificate-usage', async () => {
    const model = makeModel({ x: 'y' });
    const signed = await signModel(
      model,
      createCertificateSigner({
        privateKey: rd(pki.badUsageLeafKey),
        signingCertificate: rd(pki.badUsageLeafPem),
        certificateChain: [rd(pki.intPem)],
      }),
    );
    expect(certificateUsage(parseCertificates(rd(pki.badUsageLeafPem))[0].raw)).toEqual({
      digitalSignature: false,
      keyCertSign: false,
    });
    expect(
      await reason(
        verifyModel(model, signed.bundle, createCertificateVerifier({ trustedRoots: rd(pki.rootPem) })),
      ),
    ).toBe('certificate-usage');
  });

  it('refuses a private key that does not belong to the certificate', () => {
    expect(() =>
      createCertificateSigner({
        privateKey: ecKeyPair('P-384').privatePem,
        signingCertificate: rd(pki.leafPem),
      }),
    ).toThrow(/does not belong/);
  });

  it('the reference key, certificate and intermediate produce bundles that verify against ca-cert.pem', async () => {
    const model = copyVector('v1.1.0-certificate');
    rmSync(path.join(model, 'model.sig'));
    const signed = await signModel(
      model,
      createCertificateSigner({
        privateKey: rd(path.join(KEYS, 'signing-key.pem')),
        signingCertificate: rd(path.join(KEYS, 'signing-key-cert.pem')),
        certificateChain: [rd(path.join(KEYS, 'int-ca-cert.pem'))],
      }),
      { ignorePaths: [path.join(model, 'ignore-me')] },
    );
    const ref = JSON.parse(readFileSync(path.join(MT, 'v1.1.0-certificate', 'model.sig'), 'utf8'));
    expect(signed.bundle.verificationMaterial).toEqual(ref.verificationMaterial);
    expect(signed.manifest.rootDigest).toBe(
      JSON.parse(Buffer.from(ref.dsseEnvelope.payload, 'base64').toString()).subject[0].digest.sha256,
    );
    const v = createCertificateVerifier({ trustedRoots: rd(path.join(KEYS, 'ca-cert.pem')) });
    expect((await verifyModel(model, signed.bundle, v)).signer.subject).toBe('CN=intermediate-ca');
  });
});
