import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { ConfigError, UsageError, VerificationError } from '../../src/core/errors.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import type { SigstoreBundleJson } from '../../src/provenance/bundle.js';
import {
  createSigstoreVerifier,
  publicGoodTrustedRoot,
  type SigstoreVerifyOptions,
} from '../../src/provenance/sigstore/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OMS = path.resolve(ROOT, '..', 'shared', 'vectors', 'oms');
const MT_TESTS = path.join(OMS, 'model-transparency', 'scripts', 'tests');
const SPEC_SIGSTORE = path.join(
  OMS,
  'model-signing-spec',
  'test-vectors',
  'v1.0',
  'valid',
  'sigstore.bundle.json',
);

const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

const VECTORS: [string, string][] = [
  ...['v0.3.1', 'v1.0.0', 'v1.0.1', 'v1.1.0'].map((v): [string, string] => [
    `model-transparency ${v}-sigstore`,
    path.join(MT_TESTS, `${v}-sigstore`, 'model.sig'),
  ]),
  ['model-signing-spec valid/sigstore.bundle.json', SPEC_SIGSTORE],
];

async function load(file: string): Promise<SigstoreBundleJson> {
  return JSON.parse(await readFile(file, 'utf8')) as SigstoreBundleJson;
}

const verifier = (o: Partial<SigstoreVerifyOptions> = {}) =>
  createSigstoreVerifier({ identity: IDENTITY, issuer: ISSUER, ...o });

async function failure(p: Promise<unknown>): Promise<VerificationError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerificationError);
  return err as VerificationError;
}

describe('Sigstore keyless verification of the OMS vectors (offline, shipped public-good root)', () => {
  it.each(VECTORS)('%s verifies with identity and issuer', async (_name, file) => {
    const bundle = await load(file);
    const v = await verifier().verify(bundle);
    expect(v.payloadType).toBe('application/vnd.in-toto+json');
    expect(v.payload.equals(Buffer.from(bundle.dsseEnvelope.payload, 'base64'))).toBe(true);
    const statement = JSON.parse(v.payload.toString('utf8')) as { _type: string; predicateType: string };
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(v.signer.method).toBe('sigstore');
    expect(v.signer.subject).toBe(IDENTITY);
    expect(v.signer.issuer).toBe(ISSUER);
    const entries = bundle.verificationMaterial.tlogEntries as { logIndex: string }[];
    expect(v.signer.tlogIndex).toBe(entries[0].logIndex);
    expect(v.signer.tlogIndex).toMatch(/^\d+$/);
  });

  it.each(['v0.3.1', 'v1.0.0', 'v1.0.1', 'v1.1.0'])(
    'sanity: the verified %s payload names the root digest of the vector files',
    async (v) => {
      const dir = path.join(MT_TESTS, `${v}-sigstore`);
      const verified = await verifier().verify(await load(path.join(dir, 'model.sig')));
      const statement = JSON.parse(verified.payload.toString('utf8')) as {
        subject: { digest: { sha256: string } }[];
      };
      const ignorePaths = ['model.sig', 'ignore-me']
        .map((n) => path.join(dir, n))
        .filter((p) => existsSync(p));
      const manifest = await hashModelSerial(dir, { ignorePaths });
      expect(manifest.rootDigest).toBe(statement.subject[0].digest.sha256);
    },
  );

  it('the spec vector carries the same payload as model-transparency v1.1.0', async () => {
    const a = await verifier().verify(await load(SPEC_SIGSTORE));
    const b = await verifier().verify(await load(path.join(MT_TESTS, 'v1.1.0-sigstore', 'model.sig')));
    expect(a.payload.equals(b.payload)).toBe(true);
  });

  it('accepts an anchored identity regex, rejects one that does not match', async () => {
    const bundle = await load(path.join(MT_TESTS, 'v1.0.1-sigstore', 'model.sig'));
    const ok = await createSigstoreVerifier({
      identityRegex: '^[a-z]+@us\\.ibm\\.com$',
      issuer: ISSUER,
    }).verify(bundle);
    expect(ok.signer.subject).toBe(IDENTITY);
    const err = await failure(
      createSigstoreVerifier({ identityRegex: '^[a-z]+@example\\.com$', issuer: ISSUER }).verify(bundle),
    );
    expect(err.reason).toBe('wrong-identity');
    expect(err.message).toContain(IDENTITY);
  });

  it('an identity is compared exactly, not as a pattern', async () => {
    const bundle = await load(path.join(MT_TESTS, 'v1.0.1-sigstore', 'model.sig'));
    // A dot that would match any character, and a prefix: both must fail.
    for (const identity of [
      'stefanb@us.ibm.co',
      'stefanb@us.ibm.com.evil',
      'stefanb@us-ibm.com',
      'tefanb@us.ibm.com',
    ]) {
      const err = await failure(verifier({ identity }).verify(bundle));
      expect(err.reason).toBe('wrong-identity');
    }
  });

  it('rejects a wrong identity, naming expected and actual', async () => {
    const err = await failure(
      verifier({ identity: 'mallory@example.com' }).verify(await load(SPEC_SIGSTORE)),
    );
    expect(err.reason).toBe('wrong-identity');
    expect(err.message).toContain('mallory@example.com');
    expect(err.message).toContain(IDENTITY);
    expect(err.details).toMatchObject({ expected: 'mallory@example.com', actual: IDENTITY });
  });

  it('rejects a wrong issuer, naming expected and actual', async () => {
    const err = await failure(
      verifier({ issuer: 'https://accounts.google.com' }).verify(await load(SPEC_SIGSTORE)),
    );
    expect(err.reason).toBe('wrong-identity');
    expect(err.message).toContain('https://accounts.google.com');
    expect(err.message).toContain(ISSUER);
  });

  it('rejects a tampered payload as bad-signature', async () => {
    const bundle = await load(SPEC_SIGSTORE);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as {
      subject: { digest: { sha256: string } }[];
    };
    statement.subject[0].digest.sha256 = '0'.repeat(64);
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const err = await failure(verifier().verify(bundle));
    expect(err.reason).toBe('bad-signature');
  });

  it('rejects a changed payload type as bad-signature (PAE covers it)', async () => {
    const bundle = await load(SPEC_SIGSTORE);
    bundle.dsseEnvelope.payloadType = 'application/json';
    expect((await failure(verifier().verify(bundle))).reason).toBe('bad-signature');
  });

  it('rejects a flipped signature byte as bad-signature', async () => {
    const bundle = await load(path.join(MT_TESTS, 'v1.0.0-sigstore', 'model.sig'));
    const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
    sig[sig.length - 5] ^= 0x01;
    bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
    expect((await failure(verifier().verify(bundle))).reason).toBe('bad-signature');
  });

  it.each(['v0.3.1', 'v1.1.0'])('rejects %s with its tlog entry removed as tlog', async (v) => {
    const bundle = await load(path.join(MT_TESTS, `${v}-sigstore`, 'model.sig'));
    bundle.verificationMaterial.tlogEntries = [];
    const err = await failure(verifier().verify(bundle));
    expect(err.reason).toBe('tlog');
  });

  it('rejects a broken inclusion proof and a broken SET as tlog', async () => {
    const base = await load(path.join(MT_TESTS, 'v1.0.1-sigstore', 'model.sig'));
    type Entry = {
      inclusionProof: { hashes: string[]; rootHash: string };
      inclusionPromise?: { signedEntryTimestamp: string };
      canonicalizedBody: string;
    };
    // Inclusion proof: flip a bit in a sibling hash.
    const a = structuredClone(base);
    const ea = (a.verificationMaterial.tlogEntries as Entry[])[0];
    const h = Buffer.from(ea.inclusionProof.hashes[0], 'base64');
    h[0] ^= 0x80;
    ea.inclusionProof.hashes[0] = h.toString('base64');
    const errA = await failure(verifier().verify(a));
    expect(errA.reason).toBe('tlog');
    expect(errA.message).toMatch(/inclusion/i);
    // SET: flip a bit in the signed entry timestamp.
    const b = structuredClone(base);
    const eb = (b.verificationMaterial.tlogEntries as Entry[])[0];
    const set = Buffer.from(eb.inclusionPromise!.signedEntryTimestamp, 'base64');
    set[set.length - 3] ^= 0x01;
    eb.inclusionPromise!.signedEntryTimestamp = set.toString('base64');
    const errB = await failure(verifier().verify(b));
    expect(errB.reason).toBe('tlog');
  });

  it('rejects a tlog entry that belongs to another signature as tlog', async () => {
    const a = await load(path.join(MT_TESTS, 'v1.0.0-sigstore', 'model.sig'));
    const b = await load(path.join(MT_TESTS, 'v1.0.1-sigstore', 'model.sig'));
    a.verificationMaterial.tlogEntries = b.verificationMaterial.tlogEntries;
    expect((await failure(verifier().verify(a))).reason).toBe('tlog');
  });

  it('rejects a certificate that does not chain to the trusted root as untrusted-certificate', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bw-sigstore-'));
    try {
      // The public-good root with its Fulcio CAs removed: the chain can no longer be built.
      const root = publicGoodTrustedRoot();
      const { TrustedRoot } = await import('@sigstore/protobuf-specs');
      const json = TrustedRoot.toJSON({ ...root, certificateAuthorities: [] });
      const file = path.join(dir, 'trusted_root.json');
      await writeFile(file, JSON.stringify(json));
      const err = await failure(verifier({ trustedRootPath: file }).verify(await load(SPEC_SIGSTORE)));
      expect(err.reason).toBe('untrusted-certificate');
      // The same file with the CAs kept verifies: the failure above is the missing CA, not the file format.
      await writeFile(file, JSON.stringify(TrustedRoot.toJSON(root)));
      const ok = await verifier({ trustedRootPath: file }).verify(await load(SPEC_SIGSTORE));
      expect(ok.signer.subject).toBe(IDENTITY);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a Rekor key missing from the trusted root as tlog', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bw-sigstore-'));
    try {
      const { TrustedRoot } = await import('@sigstore/protobuf-specs');
      const file = path.join(dir, 'trusted_root.json');
      await writeFile(file, JSON.stringify(TrustedRoot.toJSON({ ...publicGoodTrustedRoot(), tlogs: [] })));
      expect(
        (await failure(verifier({ trustedRootPath: file }).verify(await load(SPEC_SIGSTORE)))).reason,
      ).toBe('tlog');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a swapped certificate: signature no longer matches', async () => {
    const a = await load(path.join(MT_TESTS, 'v1.0.0-sigstore', 'model.sig'));
    const b = await load(path.join(MT_TESTS, 'v1.1.0-sigstore', 'model.sig'));
    a.verificationMaterial.certificate = b.verificationMaterial.certificate;
    expect((await failure(verifier().verify(a))).reason).toBe('bad-signature');
  });

  it('reports malformed bundles and wrong media types precisely', async () => {
    const good = await load(SPEC_SIGSTORE);
    const noEnvelope = structuredClone(good) as Partial<SigstoreBundleJson>;
    delete noEnvelope.dsseEnvelope;
    expect((await failure(verifier().verify(noEnvelope as SigstoreBundleJson))).reason).toBe(
      'malformed-bundle',
    );

    const noMaterial = structuredClone(good) as Partial<SigstoreBundleJson>;
    delete noMaterial.verificationMaterial;
    expect((await failure(verifier().verify(noMaterial as SigstoreBundleJson))).reason).toBe(
      'malformed-bundle',
    );

    const badCert = structuredClone(good);
    badCert.verificationMaterial.certificate = {
      rawBytes: Buffer.from('not a certificate').toString('base64'),
    };
    expect((await failure(verifier().verify(badCert))).reason).toBe('malformed-bundle');

    const wrongType = structuredClone(good);
    wrongType.mediaType = 'application/json';
    expect((await failure(verifier().verify(wrongType))).reason).toBe('wrong-media-type');

    const keyBundle = await load(
      path.join(OMS, 'model-signing-spec', 'test-vectors', 'v1.0', 'valid', 'key.bundle.json'),
    );
    const err = await failure(verifier().verify(keyBundle));
    expect(err.reason).toBe('malformed-bundle');
    expect(err.message).toMatch(/public key/);

    for (const junk of [null, [], 'x', 42]) {
      expect((await failure(verifier().verify(junk as unknown as SigstoreBundleJson))).reason).toMatch(
        /malformed-bundle|wrong-media-type/,
      );
    }
  });

  it('spec negative vectors fail', async () => {
    const dir = path.join(OMS, 'model-signing-spec', 'test-vectors', 'v1.0', 'invalid');
    for (const name of [
      'missing-envelope.bundle.json',
      'missing-tlog-entries.bundle.json',
      'missing-verification-material.bundle.json',
    ]) {
      const err = await failure(verifier().verify(await load(path.join(dir, name))));
      expect(['malformed-bundle', 'wrong-media-type', 'tlog']).toContain(err.reason);
    }
  });
});

describe('Sigstore verifier options', () => {
  it('requires an identity or a regex, and an issuer', () => {
    expect(() => createSigstoreVerifier({ issuer: ISSUER })).toThrow(UsageError);
    expect(() => createSigstoreVerifier({ identity: IDENTITY, identityRegex: '.*', issuer: ISSUER })).toThrow(
      UsageError,
    );
    expect(() => createSigstoreVerifier({ identity: IDENTITY, issuer: '' })).toThrow(UsageError);
    expect(() => createSigstoreVerifier({ identityRegex: '(', issuer: ISSUER })).toThrow(UsageError);
    expect(() => createSigstoreVerifier({ identity: IDENTITY, issuer: ISSUER, tlogThreshold: -1 })).toThrow(
      UsageError,
    );
  });

  describe('trusted root files', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'bw-sigstore-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('a missing, non-JSON or non-root file is a ConfigError naming the file', async () => {
      const bundle = await load(SPEC_SIGSTORE);
      const missing = path.join(dir, 'nope.json');
      await expect(verifier({ trustedRootPath: missing }).verify(bundle)).rejects.toThrow(ConfigError);
      await expect(verifier({ trustedRootPath: missing }).verify(bundle)).rejects.toThrow(missing);
      const notJson = path.join(dir, 'bad.json');
      await writeFile(notJson, '{nope');
      await expect(verifier({ trustedRootPath: notJson }).verify(bundle)).rejects.toThrow(ConfigError);
      const notRoot = path.join(dir, 'other.json');
      await writeFile(
        notRoot,
        JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }),
      );
      await expect(verifier({ trustedRootPath: notRoot }).verify(bundle)).rejects.toThrow(/trusted root/);
    });
  });
});
