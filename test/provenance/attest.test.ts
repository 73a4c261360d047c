import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InTotoStatement } from '../../src/provenance/bundle.js';
import { INTOTO_PAYLOAD_TYPE } from '../../src/provenance/dsse.js';
import { hashModelSerial } from '../../src/provenance/oms/hash.js';
import { manifestToStatement } from '../../src/provenance/oms/statement.js';
import type { ModelManifest } from '../../src/provenance/oms/types.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/index.js';
import { createCertificateSigner, createCertificateVerifier } from '../../src/provenance/signing/index.js';
import { scan } from '../../src/scan/engine.js';
import { cleanupTmp, makePki } from './sign-helpers.js';
import {
  attest,
  attestationFindings,
  buildBomStatement,
  buildScanStatement,
  buildTrainingProvenance,
  buildTrainingStatement,
  checkAttestation,
  CYCLONEDX_PREDICATE,
  peekStatement,
  SCAN_PREDICATE_V1,
  scanPredicateProblems,
  slsaProblems,
  SLSA_PROVENANCE_V1,
  TRAINING_BUILD_TYPE_V1,
  trainingProblems,
  validateTrainingRunSpec,
  verifyAttestationBundle,
  type ScanPredicate,
  type SlsaProvenance,
} from '../../src/provenance/attest/index.js';

/** Deliberately untyped: the structural checks are fed mutated, ill-typed predicates. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const MALICIOUS = Buffer.from("cos\nsystem\n(S'echo x'\ntR.", 'latin1');
const BENIGN = Buffer.from('(dp0\n.', 'latin1');

function keyPair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    pub: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

let dir: string;
let model: string;
let manifest: ModelManifest;
const keys = keyPair();
const other = keyPair();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-attest-'));
  model = path.join(dir, 'model');
  await mkdir(path.join(model, 'sub'), { recursive: true });
  await writeFile(path.join(model, 'weights.pkl'), BENIGN);
  await writeFile(path.join(model, 'sub', 'evil.pkl'), MALICIOUS);
  await writeFile(path.join(model, 'config.json'), '{"hidden": 8}');
  manifest = await hashModelSerial(model);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  cleanupTmp();
});

describe('scan attestation', () => {
  it('is built from a real scan report: subject = OMS root, verdicts and findings per model-relative file', async () => {
    const report = await scan([model]);
    const st = buildScanStatement(manifest, report, { modelPath: model, perFileSubjects: true });
    expect(st._type).toBe('https://in-toto.io/Statement/v1');
    expect(st.predicateType).toBe(SCAN_PREDICATE_V1);
    expect(st.subject[0]).toEqual({ name: 'model', digest: { sha256: manifest.rootDigest } });
    // One per-file subject per resource, carrying the file's own SHA-256.
    expect(
      st.subject
        .slice(1)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['model/config.json', 'model/sub/evil.pkl', 'model/weights.pkl']);
    const p = st.predicate;
    expect(scanPredicateProblems(p)).toEqual([]);
    expect(p.verdict).toBe('malicious');
    expect(p.summary.files).toBe(report.files.length);
    expect(p.scanner.ruleSet.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    const evil = p.files.find((f) => f.path === 'sub/evil.pkl')!;
    expect(evil.verdict).toBe('malicious');
    expect(evil.digest?.sha256).toBe(manifest.resources.find((r) => r.name === 'sub/evil.pkl')!.digest);
    expect(evil.findings.length).toBeGreaterThan(0);
    for (const f of evil.findings) {
      expect(Object.keys(f).sort()).toEqual(['location', 'message', 'ruleId', 'severity']);
      expect(f.ruleId).toMatch(/^BW-/);
    }
    // Evidence (which quotes file content) never goes into the predicate.
    expect(JSON.stringify(p)).not.toContain('"evidence"');
    expect(p.files.find((f) => f.path === 'weights.pkl')!.verdict).toBe('clean');
  });

  it('bounds messages and findings and marks the predicate truncated', async () => {
    const report = await scan([model]);
    const evil = report.files.find((f) => f.path.endsWith('evil.pkl'))!;
    const f0 = evil.findings[0];
    evil.findings = Array.from({ length: 120 }, () => ({ ...f0, message: 'x\u0007'.repeat(2000) }));
    const p = buildScanStatement(manifest, report, { modelPath: model }).predicate;
    const pe = p.files.find((f) => f.path === 'sub/evil.pkl')!;
    expect(pe.findings).toHaveLength(50);
    expect(pe.findingsOmitted).toBe(70);
    expect(p.truncated).toBe(true);
    expect(pe.findings[0].message.length).toBeLessThanOrEqual(512);
    expect(pe.findings[0].message).not.toMatch(/\u0007/);
  });

  it('refuses a report that does not cover every file of the model', async () => {
    const report = await scan([path.join(model, 'weights.pkl')]);
    expect(() => buildScanStatement(manifest, report, { modelPath: model })).toThrow(/does not cover 2 file/);
  });
});

describe('BOM attestation', () => {
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    components: [{ type: 'machine-learning-model', name: 'model' }],
  };
  it('wraps CycloneDX JSON as the predicate', () => {
    const st = buildBomStatement(manifest, bom);
    expect(st.predicateType).toBe(CYCLONEDX_PREDICATE);
    expect(st.predicate).toEqual(bom);
  });
  it('wraps SPDX 3 documents with the SPDX predicate type', () => {
    const doc = { '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] };
    expect(buildBomStatement(manifest, doc, { format: 'spdx' }).predicateType).toBe(
      'https://spdx.dev/Document/v3',
    );
  });
  it('rejects documents that are not CycloneDX', () => {
    expect(() => buildBomStatement(manifest, { bomFormat: 'SPDX', specVersion: '1.6' })).toThrow(/bomFormat/);
    expect(() => buildBomStatement(manifest, { ...bom, specVersion: 6 })).toThrow(/specVersion/);
  });
});

describe('SLSA training provenance', () => {
  const commit = 'a'.repeat(40);
  async function provenance(): Promise<SlsaProvenance> {
    await writeFile(path.join(dir, 'train.csv'), 'x,y\n1,2\n');
    await mkdir(path.join(dir, 'evalset'), { recursive: true });
    await writeFile(path.join(dir, 'evalset', 'part-0.csv'), 'x,y\n3,4\n');
    const spec = validateTrainingRunSpec({
      builder: { id: 'https://ci.example.com/runners/gpu-01', version: { bulwark: '0.1.0' } },
      entryPoint: 'train.py',
      task: 'fine-tune',
      parameters: { learning_rate: 2e-5, epochs: 3, max_tokens: 512 },
      environment: { framework: 'torch 2.3', accelerator: 'H100' },
      baseModel: { name: 'base', path: 'model' },
      datasets: [
        { name: 'train', path: 'train.csv' },
        { name: 'eval', path: 'evalset', role: 'evaluation-data' },
      ],
      code: { uri: 'git+https://github.com/example/trainer', commit },
      container: { image: 'ghcr.io/example/trainer:1', digest: `sha256:${'b'.repeat(64)}` },
      invocationId: 'run-42',
      startedOn: '2026-01-01T10:00:00Z',
      finishedOn: '2026-01-01T12:30:00Z',
    });
    return buildTrainingProvenance(spec, { baseDir: dir });
  }

  it('lays out buildDefinition and runDetails as SLSA v1 with the training buildType', async () => {
    const p = await provenance();
    expect(slsaProblems(p)).toEqual([]);
    expect(trainingProblems(p)).toEqual([]);
    expect(Object.keys(p).sort()).toEqual(['buildDefinition', 'runDetails']);
    expect(p.buildDefinition.buildType).toBe(TRAINING_BUILD_TYPE_V1);
    expect(p.buildDefinition.externalParameters).toEqual({
      entryPoint: 'train.py',
      task: 'fine-tune',
      parameters: { learning_rate: 2e-5, epochs: 3, max_tokens: 512 },
    });
    expect(p.buildDefinition.internalParameters).toEqual({
      environment: { framework: 'torch 2.3', accelerator: 'H100' },
    });
    const deps = p.buildDefinition.resolvedDependencies!;
    expect(deps[0]).toEqual({
      name: 'base',
      digest: { sha256: manifest.rootDigest },
      annotations: { role: 'base-model', digestKind: 'oms-root' },
    });
    // A file: plain SHA-256 of its bytes.
    expect(deps[1]).toMatchObject({
      name: 'train',
      digest: { sha256: createHash('sha256').update('x,y\n1,2\n').digest('hex') },
      annotations: { role: 'training-data', digestKind: 'file' },
    });
    // A directory: its OMS root digest.
    expect(deps[2].digest!.sha256).toBe((await hashModelSerial(path.join(dir, 'evalset'))).rootDigest);
    expect(deps[2].annotations).toEqual({ role: 'evaluation-data', digestKind: 'oms-root' });
    expect(deps[3]).toEqual({
      uri: 'git+https://github.com/example/trainer',
      digest: { gitCommit: commit },
      annotations: { role: 'source-code' },
    });
    expect(deps[4]).toEqual({
      uri: 'oci://ghcr.io/example/trainer:1',
      digest: { sha256: 'b'.repeat(64) },
      annotations: { role: 'container-image' },
    });
    expect(p.runDetails).toEqual({
      builder: { id: 'https://ci.example.com/runners/gpu-01', version: { bulwark: '0.1.0' } },
      metadata: {
        invocationId: 'run-42',
        startedOn: '2026-01-01T10:00:00.000Z',
        finishedOn: '2026-01-01T12:30:00.000Z',
      },
    });
  });

  it('structural checks catch each SLSA field that is missing or mistyped', async () => {
    const good = await provenance();
    const mutate = (f: (p: Loose) => void): string[] => {
      const p = structuredClone(good) as Loose;
      f(p);
      return trainingProblems(p);
    };
    expect(mutate((p) => delete p.buildDefinition.buildType)).toContain(
      'buildDefinition.buildType is not a URI',
    );
    expect(mutate((p) => delete p.buildDefinition.externalParameters)).toContain(
      'buildDefinition.externalParameters is not an object',
    );
    expect(mutate((p) => (p.runDetails.builder.id = 'not a uri'))).toContain(
      'runDetails.builder.id is not a URI',
    );
    expect(mutate((p) => (p.runDetails.builder.version = '1.0'))).toContain(
      'runDetails.builder.version is not a map of strings',
    );
    expect(mutate((p) => (p.runDetails.metadata.startedOn = 'yesterday'))).toContain(
      'runDetails.metadata.startedOn is not an RFC 3339 timestamp',
    );
    expect(mutate((p) => (p.runDetails.metadata.startedOn = '2026-01-02T00:00:00Z'))).toContain(
      'runDetails.metadata.finishedOn is before startedOn',
    );
    expect(mutate((p) => (p.buildDefinition.resolvedDependencies[1] = { name: 'x' }))[0]).toMatch(
      /has none of uri, digest, content/,
    );
    expect(mutate((p) => (p.buildDefinition.resolvedDependencies[1].digest.sha256 = 'ABC'))[0]).toMatch(
      /sha256 is not 64 lower-case hex/,
    );
    expect(
      mutate(
        (p) =>
          (p.buildDefinition.resolvedDependencies = p.buildDefinition.resolvedDependencies.filter(
            (d: Loose) => d.annotations.role !== 'training-data',
          )),
      ),
    ).toContain('no training-data dependency');
    expect(mutate((p) => delete p.buildDefinition.externalParameters.entryPoint)).toContain(
      'externalParameters.entryPoint is not a non-empty string',
    );
    expect(mutate((p) => delete p.runDetails)).toContain('predicate.runDetails is missing');
  });

  it('rejects run specs with credentials, bad digests, bad commits or unknown keys', () => {
    const base = {
      builder: { id: 'https://ci.example.com/r' },
      entryPoint: 'train.py',
      datasets: [{ name: 'd', digest: `sha256:${'c'.repeat(64)}` }],
    };
    expect(() => validateTrainingRunSpec(base)).not.toThrow();
    expect(() => validateTrainingRunSpec({ ...base, environment: { HF_TOKEN: 'hf_abc' } })).toThrow(
      /looks like a credential/,
    );
    expect(() => validateTrainingRunSpec({ ...base, parameters: { nested: { db_password: 'x' } } })).toThrow(
      /parameters\.nested\.db_password looks like a credential/,
    );
    expect(() =>
      validateTrainingRunSpec({ ...base, datasets: [{ name: 'd', digest: 'sha256:xyz' }] }),
    ).toThrow(/digest/);
    expect(() =>
      validateTrainingRunSpec({ ...base, code: { uri: 'git+https://x/y', commit: 'main' } }),
    ).toThrow(/full git commit/);
    expect(() => validateTrainingRunSpec({ ...base, extra: 1 })).toThrow(/unknown key "extra"/);
    expect(() => validateTrainingRunSpec({ ...base, datasets: [] })).toThrow(/at least one dataset/);
    expect(() => validateTrainingRunSpec({ ...base, builder: { id: 'gpu-01' } })).toThrow(
      /builder.id must be a URI/,
    );
    // The secret value never appears in the message.
    try {
      validateTrainingRunSpec({ ...base, environment: { HF_TOKEN: 'hf_supersecret' } });
    } catch (err) {
      expect((err as Error).message).not.toContain('hf_supersecret');
    }
  });

  it('a digest given beside a path must match the file', async () => {
    await writeFile(path.join(dir, 'train.csv'), 'x,y\n1,2\n');
    const spec = validateTrainingRunSpec({
      builder: { id: 'https://ci.example.com/r' },
      entryPoint: 'train.py',
      datasets: [{ name: 'train', path: 'train.csv', digest: `sha256:${'0'.repeat(64)}` }],
    });
    await expect(buildTrainingProvenance(spec, { baseDir: dir })).rejects.toThrow(
      /not the digest the run spec gives/,
    );
  });

  it('buildTrainingStatement puts the output model root in the subject', async () => {
    const st = buildTrainingStatement(manifest, await provenance());
    expect(st.predicateType).toBe(SLSA_PROVENANCE_V1);
    expect(st.subject).toEqual([{ name: 'model', digest: { sha256: manifest.rootDigest } }]);
  });
});

describe('signing and verifying attestations', () => {
  async function signedScan(): Promise<{
    bundle: Awaited<ReturnType<typeof attest>>;
    st: InTotoStatement<ScanPredicate>;
  }> {
    const st = buildScanStatement(manifest, await scan([model]), { modelPath: model });
    return { bundle: await attest(st, createKeySigner(keys.priv)), st };
  }

  it('produces a Sigstore v0.3 bundle with an in-toto DSSE envelope, as model signatures', async () => {
    const { bundle, st } = await signedScan();
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.dsseEnvelope.payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    expect(bundle.verificationMaterial.publicKey?.hint).toMatch(/^[0-9a-f]{64}$/);
    expect(peekStatement(bundle)).toEqual(st);
  });

  it('verifies with the right key and the unmodified model', async () => {
    const { bundle } = await signedScan();
    const r = await verifyAttestationBundle(bundle, createKeyVerifier(keys.pub), { modelPath: model });
    expect(r.ok).toBe(true);
    expect(r.reason).toBeUndefined();
    expect(r.signer?.method).toBe('key');
    expect(r.check?.kind).toBe('scan');
    expect(r.check?.summary).toMatch(/^scan of model: malicious, 3 file\(s\)/);
    expect(attestationFindings(r, 'a.json')).toEqual([]);
  });

  it('fails with wrong-key for another key, bad-signature for a tampered payload', async () => {
    const { bundle } = await signedScan();
    const wrong = await verifyAttestationBundle(bundle, createKeyVerifier(other.pub));
    expect(wrong).toMatchObject({ ok: false, reason: 'wrong-key' });
    expect(attestationFindings(wrong, 'a.json')[0].ruleId).toBe('BW-ATT-001');

    const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    st.predicate.verdict = 'clean';
    const tampered = structuredClone(bundle);
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    const bad = await verifyAttestationBundle(tampered, createKeyVerifier(keys.pub));
    expect(bad).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('fails with subject-mismatch once the model changes', async () => {
    const { bundle } = await signedScan();
    const copy = path.join(dir, 'model-copy');
    await mkdir(path.join(copy, 'sub'), { recursive: true });
    await writeFile(path.join(copy, 'weights.pkl'), BENIGN);
    await writeFile(path.join(copy, 'sub', 'evil.pkl'), MALICIOUS);
    await writeFile(path.join(copy, 'config.json'), '{"hidden": 9}');
    const r = await verifyAttestationBundle(bundle, createKeyVerifier(keys.pub), { modelPath: copy });
    expect(r.ok).toBe(false);
    expect(r.reason).toBe('subject-mismatch');
    expect(r.message).toMatch(/hashes to sha256:[0-9a-f]{12}…, but the attestation is about sha256:/);
    const f = attestationFindings(r, 'scan.intoto.json');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ ruleId: 'BW-ATT-002', location: { file: 'scan.intoto.json' } });
  });

  it('a model signature payload is reported as not an attestation, pointing at bulwark verify', async () => {
    const st = manifestToStatement(manifest);
    const c = await checkAttestation(st as InTotoStatement);
    expect(c.ok).toBe(false);
    expect(c.problems[0].code).toBe('unknown-predicate-type');
    expect(c.problems[0].message).toMatch(/bulwark verify/);
  });

  it('reports malformed statements and predicates', async () => {
    const st = buildBomStatement(manifest, { bomFormat: 'CycloneDX', specVersion: '1.6' }) as InTotoStatement;
    expect((await checkAttestation(st)).ok).toBe(true);
    const badType = await checkAttestation({ ...st, _type: 'https://in-toto.io/Statement/v0.1' });
    expect(badType.problems[0]).toMatchObject({ code: 'malformed-statement' });
    const badDigest = await checkAttestation({ ...st, subject: [{ name: 'm', digest: { sha256: 'zz' } }] });
    expect(badDigest.problems[0].message).toMatch(/sha256 is not 64 lower-case hex/);
    const badPredicate = await checkAttestation({ ...st, predicate: { bomFormat: 'CycloneDX' } });
    expect(badPredicate).toMatchObject({ ok: false, kind: 'bom' });
    expect(badPredicate.problems[0].code).toBe('malformed-predicate');
    expect(attestationFindings({ ok: false, warnings: [], check: badPredicate }, 'x')[0].ruleId).toBe(
      'BW-ATT-004',
    );
    // Not JSON inside a validly signed envelope.
    const bundle = await createKeySigner(keys.priv).sign(INTOTO_PAYLOAD_TYPE, Buffer.from('not json'));
    expect(await verifyAttestationBundle(bundle, createKeyVerifier(keys.pub))).toMatchObject({
      ok: false,
      reason: 'malformed-bundle',
    });
    const other = await createKeySigner(keys.priv).sign('text/plain', Buffer.from('{}'));
    expect(await verifyAttestationBundle(other, createKeyVerifier(keys.pub))).toMatchObject({
      ok: false,
      reason: 'wrong-payload-type',
    });
  });

  it('is signed the same ways as models: certificate chain (leaf + intermediate) verified against the root', async () => {
    const pki = makePki('P-256');
    const rd = (f: string): Buffer => readFileSync(f);
    const st = buildBomStatement(manifest, { bomFormat: 'CycloneDX', specVersion: '1.6' });
    const bundle = await attest(
      st,
      createCertificateSigner({
        privateKey: rd(pki.leafKey),
        signingCertificate: rd(pki.leafPem),
        certificateChain: [rd(pki.intPem)],
      }),
    );
    expect(bundle.verificationMaterial.x509CertificateChain?.certificates).toHaveLength(2);
    const ok = await verifyAttestationBundle(
      bundle,
      createCertificateVerifier({ trustedRoots: rd(pki.rootPem) }),
      {
        modelPath: model,
      },
    );
    expect(ok).toMatchObject({
      ok: true,
      signer: { method: 'certificate', subject: expect.stringContaining('signer@example.com') },
    });
    const untrusted = await verifyAttestationBundle(
      bundle,
      createCertificateVerifier({ trustedRoots: rd(pki.otherRootPem) }),
    );
    expect(untrusted).toMatchObject({ ok: false, reason: 'untrusted-certificate' });
    // A key verifier refuses certificate material rather than ignoring it.
    expect(await verifyAttestationBundle(bundle, createKeyVerifier(keys.pub))).toMatchObject({
      ok: false,
      reason: 'wrong-key',
    });
  });
});
