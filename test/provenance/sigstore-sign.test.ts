import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulwarkError, UsageError, VerificationError } from '../../src/core/errors.js';
import { BUNDLE_MEDIA_TYPE_V03, type SigstoreBundleJson } from '../../src/provenance/bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../../src/provenance/dsse.js';
import {
  checkIdentityToken,
  createSigstoreSigner,
  createSigstoreVerifier,
  type SigstoreSignOptions,
} from '../../src/provenance/sigstore/index.js';
import {
  startSigstoreMock,
  testIdentityToken,
  unusedLoopbackURL,
  type SigstoreMock,
} from '../helpers/sigstore-mock-server.js';

const ISSUER = 'https://oidc.test.invalid';
const EMAIL = 'alice@example.com';

const STATEMENT = Buffer.from(
  JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'model', digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://model_signing/signature/v1.0',
    predicate: {
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: [] },
    },
  }),
);

let mock: SigstoreMock;
let dir: string;
let rootPath: string;
let token: string;

beforeAll(async () => {
  mock = await startSigstoreMock();
  dir = await mkdtemp(path.join(os.tmpdir(), 'bw-sigstore-sign-'));
  rootPath = path.join(dir, 'trusted_root.json');
  await writeFile(rootPath, JSON.stringify(mock.trustedRoot));
  token = testIdentityToken({ iss: ISSUER, email: EMAIL });
});

afterAll(async () => {
  await mock?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const signer = (o: Partial<SigstoreSignOptions> = {}) =>
  createSigstoreSigner({
    identityToken: token,
    fulcioURL: mock.fulcioURL,
    rekorURL: mock.rekorURL,
    timeoutMs: 5_000,
    retries: 0,
    ...o,
  });

const verifier = (o: { identity?: string; issuer?: string } = {}) =>
  createSigstoreVerifier({
    identity: o.identity ?? EMAIL,
    issuer: o.issuer ?? ISSUER,
    trustedRootPath: rootPath,
  });

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('keyless signing against loopback Fulcio / Rekor / TSA', () => {
  let bundle: SigstoreBundleJson;

  beforeAll(async () => {
    bundle = await signer({ tsaURL: mock.tsaURL }).sign(INTOTO_PAYLOAD_TYPE, STATEMENT);
  });

  it('produces an OMS-compatible bundle (v0.3, certificate.rawBytes, in-toto DSSE, one dsse tlog entry, TSA)', () => {
    expect(bundle.mediaType).toBe(BUNDLE_MEDIA_TYPE_V03);
    expect(bundle.verificationMaterial.x509CertificateChain).toBeUndefined();
    expect(bundle.verificationMaterial.publicKey).toBeUndefined();
    const cert = new X509Certificate(
      Buffer.from(bundle.verificationMaterial.certificate!.rawBytes, 'base64'),
    );
    expect(cert.subjectAltName).toContain(EMAIL);
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(Buffer.from(bundle.dsseEnvelope.payload, 'base64').equals(STATEMENT)).toBe(true);
    expect(bundle.dsseEnvelope.signatures).toHaveLength(1);
    const entries = bundle.verificationMaterial.tlogEntries as {
      kindVersion: { kind: string; version: string };
      inclusionProof?: unknown;
      inclusionPromise?: unknown;
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0].kindVersion).toEqual({ kind: 'dsse', version: '0.0.1' });
    expect(entries[0].inclusionProof).toBeDefined();
    expect(entries[0].inclusionPromise).toBeDefined();
    const ts = bundle.verificationMaterial.timestampVerificationData as { rfc3161Timestamps: unknown[] };
    expect(ts.rfc3161Timestamps).toHaveLength(1);
    // Round trip through JSON text, as a .sig file on disk.
    expect(JSON.parse(JSON.stringify(bundle))).toEqual(bundle);
  });

  it('the bundle verifies with the verifier and a trusted root built from the mock keys', async () => {
    const v = await verifier().verify(JSON.parse(JSON.stringify(bundle)) as SigstoreBundleJson);
    expect(v.payload.equals(STATEMENT)).toBe(true);
    expect(v.payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    expect(v.signer).toMatchObject({ method: 'sigstore', subject: EMAIL, issuer: ISSUER });
    expect(v.signer.tlogIndex).toMatch(/^\d+$/);
    // Both timestamps (Rekor integrated time and RFC 3161) are required and present.
    const strict = createSigstoreVerifier({
      identity: EMAIL,
      issuer: ISSUER,
      trustedRootPath: rootPath,
      timestampThreshold: 2,
    });
    await expect(strict.verify(bundle)).resolves.toMatchObject({ signer: { subject: EMAIL } });
  });

  it('a ClientTrustConfig (model_signing --trust-config format) works like a bare trusted root', async () => {
    const file = path.join(dir, 'client_trust_config.json');
    await writeFile(
      file,
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.clienttrustconfig.v0.1+json',
        trustedRoot: mock.trustedRoot,
        signingConfig: { mediaType: 'application/vnd.dev.sigstore.signingconfig.v0.2+json' },
      }),
    );
    const v = await createSigstoreVerifier({ identity: EMAIL, issuer: ISSUER, trustedRootPath: file }).verify(
      bundle,
    );
    expect(v.signer.subject).toBe(EMAIL);
  });

  it('our bundle does not verify against the public-good root', async () => {
    const err = await rejection(createSigstoreVerifier({ identity: EMAIL, issuer: ISSUER }).verify(bundle));
    expect(err).toBeInstanceOf(VerificationError);
    expect(['untrusted-certificate', 'tlog']).toContain((err as VerificationError).reason);
  });

  it('a wrong identity or issuer on our own bundle fails as wrong-identity', async () => {
    const e1 = (await rejection(
      verifier({ identity: 'bob@example.com' }).verify(bundle),
    )) as VerificationError;
    expect(e1.reason).toBe('wrong-identity');
    expect(e1.message).toContain('bob@example.com');
    expect(e1.message).toContain(EMAIL);
    const e2 = (await rejection(
      verifier({ issuer: 'https://accounts.google.com' }).verify(bundle),
    )) as VerificationError;
    expect(e2.reason).toBe('wrong-identity');
  });

  it('a tampered payload in our own bundle fails as bad-signature', async () => {
    const t = structuredClone(bundle);
    t.dsseEnvelope.payload = Buffer.from(STATEMENT.toString().replace('abab', 'abac')).toString('base64');
    expect(((await rejection(verifier().verify(t))) as VerificationError).reason).toBe('bad-signature');
  });

  it('signs without a TSA (Rekor time only) and still verifies', async () => {
    const b = await signer().sign(INTOTO_PAYLOAD_TYPE, STATEMENT);
    const ts = b.verificationMaterial.timestampVerificationData as
      { rfc3161Timestamps?: unknown[] } | undefined;
    expect(ts?.rfc3161Timestamps ?? []).toHaveLength(0);
    await expect(verifier().verify(b)).resolves.toMatchObject({ signer: { subject: EMAIL } });
  });
});

describe('keyless signing failures', () => {
  it('Fulcio answering HTTP 500 fails after bounded retries with a clear error', async () => {
    mock.fail('fulcio', { status: 500, message: 'fulcio is down' });
    try {
      const before = mock.requests.fulcio;
      const t0 = Date.now();
      const err = await rejection(
        signer({ retries: 2, retryBackoffMs: 20 }).sign(INTOTO_PAYLOAD_TYPE, STATEMENT),
      );
      expect(err).toBeInstanceOf(BulwarkError);
      expect((err as BulwarkError).code).toBe('E_IO');
      expect(err.message).toContain('Fulcio');
      expect(err.message).toContain(mock.fulcioURL);
      expect(err.message).toContain('500');
      expect(err.message).toContain('3 attempts');
      expect(err.message).not.toContain(token);
      expect(mock.requests.fulcio - before).toBe(3); // 1 try + 2 retries, then stop
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      mock.fail('fulcio', undefined);
    }
  });

  it('a 4xx from Fulcio is not retried', async () => {
    mock.fail('fulcio', { status: 401, message: 'bad token' });
    try {
      const before = mock.requests.fulcio;
      const err = await rejection(
        signer({ retries: 3, retryBackoffMs: 10 }).sign(INTOTO_PAYLOAD_TYPE, STATEMENT),
      );
      expect(err.message).toContain('401');
      expect(mock.requests.fulcio - before).toBe(1);
    } finally {
      mock.fail('fulcio', undefined);
    }
  });

  it('an unreachable Rekor fails with a clear error naming the URL', async () => {
    const dead = await unusedLoopbackURL();
    const err = await rejection(
      signer({ rekorURL: dead, retries: 1, retryBackoffMs: 10 }).sign(INTOTO_PAYLOAD_TYPE, STATEMENT),
    );
    expect(err).toBeInstanceOf(BulwarkError);
    expect(err.message).toContain('Rekor');
    expect(err.message).toContain(dead);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('the request timeout is respected', async () => {
    mock.fail('rekor', 'hang');
    try {
      const t0 = Date.now();
      const err = await rejection(
        signer({ timeoutMs: 300, retries: 0 }).sign(INTOTO_PAYLOAD_TYPE, STATEMENT),
      );
      const elapsed = Date.now() - t0;
      expect(err.message).toContain(mock.rekorURL);
      expect(err.message).toContain('timed out');
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      mock.fail('rekor', undefined);
    }
  });

  it('bad options fail before any request, never echoing the token', () => {
    const before = mock.requests.fulcio;
    expect(() => createSigstoreSigner({ identityToken: '' })).toThrow(UsageError);
    expect(() => createSigstoreSigner({ identityToken: 'not-a-jwt' })).toThrow(/not a JWT/);
    const secret = 'eyJhbGciOiJub25lIn0.e30.c2VjcmV0';
    try {
      createSigstoreSigner({ identityToken: secret });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as Error).message).not.toContain(secret);
    }
    const expired = testIdentityToken({ iss: ISSUER, email: EMAIL, expiresInS: -60 });
    expect(() => createSigstoreSigner({ identityToken: expired })).toThrow(/expired/);
    expect(() => signer({ fulcioURL: 'ftp://x' })).toThrow(UsageError);
    expect(() => signer({ rekorURL: 'nope' })).toThrow(UsageError);
    expect(() => signer({ retries: -1 })).toThrow(UsageError);
    expect(() => signer({ fetch: globalThis.fetch })).toThrow(UsageError);
    expect(checkIdentityToken(token)).toEqual({ subject: EMAIL, issuer: ISSUER });
    expect(mock.requests.fulcio).toBe(before);
  });
});
