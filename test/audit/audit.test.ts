import { generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { EVIDENCE_PREDICATE_TYPE } from '../../src/audit/attestation.js';
import { validateSystemCard } from '../../src/core/system-card.js';
import { evaluateGate } from '../../src/governance/policy/gate.js';
import { loadPolicy } from '../../src/governance/policy/load.js';
import { bundleToJson, signModel } from '../../src/provenance/oms/sign-model.js';
import { verifySignedStatement } from '../../src/provenance/oms/verify-model.js';
import { createKeySigner, createKeyVerifier } from '../../src/provenance/signing/key.js';
import { ensureBuilt, ROOT, runCli } from '../cli/helpers.js';

const EXAMPLES = path.join(ROOT, 'examples', 'models');
const CARD = `---
license: mit
pipeline_tag: tabular-classification
datasets: [internal-churn-2025]
---
# churn

Predicts customer churn.

## Uses
Rank accounts for the retention team.

## Bias, Risks, and Limitations
Trained on 2025 accounts only.

## Evaluation
AUC 0.81 on the 2025 hold-out set.
`;

let dir: string;
let clean: string;
let evil: string;
let pub: string;
let priv: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bulwark-audit-'));
  clean = path.join(dir, 'clean');
  evil = path.join(dir, 'evil');
  await mkdir(clean);
  await mkdir(evil);
  await copyFile(path.join(EXAMPLES, 'churn_pipeline.joblib'), path.join(clean, 'churn_pipeline.joblib'));
  await copyFile(
    path.join(EXAMPLES, 'resnet_block_state_dict.pt'),
    path.join(clean, 'resnet_block_state_dict.pt'),
  );
  await writeFile(path.join(clean, 'README.md'), CARD);
  await copyFile(path.join(EXAMPLES, 'sentiment_classifier.pt'), path.join(evil, 'sentiment_classifier.pt'));
  const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  pub = kp.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  priv = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writeFile(path.join(dir, 'key.pub'), pub);
  await writeFile(path.join(dir, 'key.pem'), priv);
  const signed = await signModel(clean, createKeySigner(priv), {
    signaturePath: path.join(clean, 'model.sig'),
  });
  await writeFile(path.join(clean, 'model.sig'), bundleToJson(signed.bundle));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('audit pipeline', () => {
  it('collects scan, verified signature, BOM and card evidence for a clean signed model; baseline passes', async () => {
    const { evidence } = await audit(clean, { trust: { publicKey: pub } });
    const byId = Object.fromEntries(evidence.checks.map((c) => [c.id, c]));
    expect(Object.keys(byId)).toEqual(['scan', 'signature', 'bom', 'card']);
    expect(byId.scan.status).toBe('pass');
    expect(byId.signature.status).toBe('pass');
    expect(byId.signature.data.rootDigest).toBe(evidence.subject.rootDigest);
    expect(byId.bom.status).toBe('pass');
    expect(byId.card.findings).toEqual([]);
    expect(evidence.summary).toMatchObject({
      verdict: 'clean',
      malicious: 0,
      signed: true,
      signatureVerified: true,
    });
    expect(evidence.subject.rootDigest).toMatch(/^[0-9a-f]{64}$/);
    const gate = evaluateGate(await loadPolicy('baseline'), evidence);
    expect(gate.outcome).toBe('pass');
  });

  it('fails the malicious model for exactly the malicious-artifact rules', async () => {
    const { evidence } = await audit(evil);
    expect(evidence.summary.malicious).toBe(1);
    expect(evidence.findings.some((f) => f.check === 'scan' && f.severity === 'critical')).toBe(true);
    expect(evidence.findings.find((f) => f.check === 'signature')?.ruleId).toBe('BW-PROV-001');
    const gate = evaluateGate(await loadPolicy('baseline'), evidence);
    expect(gate.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['BL-001', 'BL-002']);
  });

  it('a tampered signed model fails verification with the file named, and BL-004 fails', async () => {
    const t = path.join(dir, 'tampered');
    await mkdir(t);
    for (const f of ['churn_pipeline.joblib', 'resnet_block_state_dict.pt', 'README.md', 'model.sig'])
      await copyFile(path.join(clean, f), path.join(t, f));
    await appendFile(path.join(t, 'README.md'), '\nedited after signing\n');
    const { evidence } = await audit(t, { trust: { publicKey: pub } });
    const sig = evidence.checks.find((c) => c.id === 'signature')!;
    expect(sig.status).toBe('fail');
    expect(sig.data.reason).toBe('tampered-file');
    expect(sig.findings[0].ruleId).toBe('BW-PROV-002');
    expect(sig.findings[0].message).toContain('README.md');
    const gate = evaluateGate(await loadPolicy('baseline'), evidence);
    expect(gate.results.find((r) => r.id === 'BL-004')?.status).toBe('fail');
  });

  it('a garbage signature file fails the signature check as malformed, it is not skipped', async () => {
    const g = path.join(dir, 'garbage-sig');
    await mkdir(g);
    await copyFile(path.join(clean, 'churn_pipeline.joblib'), path.join(g, 'churn_pipeline.joblib'));
    await writeFile(path.join(g, 'model.sig'), '{"mediaType": 5');
    const { evidence } = await audit(g, { trust: { publicKey: pub } });
    const sig = evidence.checks.find((c) => c.id === 'signature')!;
    expect(sig.status).toBe('fail');
    expect(sig.data.reason).toBe('malformed-bundle');
    expect(sig.findings.map((f) => f.ruleId)).toEqual(['BW-PROV-004']);
    expect(evidence.summary).toMatchObject({ signed: true, signatureVerified: false });
  });

  it('without trust material a present signature is inconclusive, never verified', async () => {
    const { evidence } = await audit(clean);
    const sig = evidence.checks.find((c) => c.id === 'signature')!;
    expect(sig.status).toBe('inconclusive');
    expect(evidence.summary.signatureVerified).toBe(false);
  });

  it("classifies the system card and imports other commands' evidence as checks", async () => {
    const fairness = path.join(dir, 'fairness.json');
    await writeFile(
      fairness,
      JSON.stringify({
        kind: 'bulwark.fairness',
        metrics: { disparate_impact: 0.62 },
        findings: [
          {
            ruleId: 'BW-FAIR-001',
            severity: 'high',
            confidence: 'high',
            impact: 'none',
            message: 'disparate impact 0.62 < 0.8',
            location: { file: 'data.csv' },
          },
        ],
      }),
    );
    const systemCard = validateSystemCard({
      name: 'screening',
      annexIIIArea: 'employment',
      intendedPurpose: 'rank CVs',
    });
    const { evidence } = await audit(clean, { trust: { publicKey: pub }, systemCard, evidence: [fairness] });
    expect(evidence.risk?.euAiAct.tier).toBe('high-risk');
    expect(evidence.risk?.euAiAct.annexIIIArea).toBe('employment');
    const f = evidence.checks.find((c) => c.id === 'fairness')!;
    expect(f.status).toBe('fail');
    expect(f.pillar).toBe('trust');
    expect(f.measurements).toContainEqual({ name: 'disparate_impact', value: 0.62 });
    expect(f.source.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    const eu = evaluateGate(await loadPolicy('eu-ai-act-high-risk'), evidence);
    expect(eu.results.find((r) => r.id === 'EU-ART10-BIAS')?.status).toBe('fail');
    expect(eu.results.find((r) => r.id === 'EU-ART15-INTEGRITY')?.status).toBe('pass');
    expect(eu.results.find((r) => r.id === 'EU-ART14-OVERSIGHT')?.status).toBe('fail');
    // Baseline: a high-risk system must be signed — it is, so BL-005 applies and passes.
    const base = evaluateGate(await loadPolicy('baseline'), evidence);
    expect(base.results.find((r) => r.id === 'BL-005')?.status).toBe('pass');
  });
});

describe('bulwark audit (CLI)', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  it('writes the evidence, signs it as an attestation, and exits by the gate', async () => {
    const out = path.join(dir, 'ev-clean.json');
    const ok = await runCli([
      'audit',
      clean,
      '--public-key',
      path.join(dir, 'key.pub'),
      '-o',
      out,
      '--sign-key',
      path.join(dir, 'key.pem'),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Gate PASS');
    const doc = JSON.parse(await readFile(out, 'utf8'));
    expect(doc.kind).toBe('bulwark.evidence');
    const bundle = JSON.parse(await readFile(`${out}.sigstore.json`, 'utf8'));
    const verified = await verifySignedStatement(bundle, createKeyVerifier(pub));
    expect(verified.statement.predicateType).toBe(EVIDENCE_PREDICATE_TYPE);
    expect(verified.statement.subject[0].digest.sha256).toBe(doc.subject.rootDigest);

    const html = path.join(dir, 'evil.html');
    const oscal = path.join(dir, 'evil.oscal.json');
    const bad = await runCli([
      'audit',
      evil,
      '-o',
      path.join(dir, 'ev-evil.json'),
      '--format',
      'json',
      '--report',
      html,
      '--report',
      oscal,
    ]);
    expect(bad.code).toBe(1);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('BL-001');
    expect(page).toContain('BW-PKL-001');
    expect(page).not.toMatch(/<script[\s>]/i);
    const ar = JSON.parse(await readFile(oscal, 'utf8'));
    expect(ar['assessment-results'].results[0].findings.length).toBeGreaterThan(0);
    const summary = JSON.parse(bad.stdout);
    expect(
      summary.gate.results
        .filter((r: { status: string }) => r.status === 'fail')
        .map((r: { id: string }) => r.id),
    ).toEqual(['BL-001', 'BL-002']);

    // The evidence feeds `bulwark gate` unchanged.
    const gate = await runCli(['gate', path.join(dir, 'ev-evil.json'), '--policy', 'strict']);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/^FAIL {3}ST-001/m);
  });

  it('rejects a missing path and a bad --now with usage errors', async () => {
    expect((await runCli(['audit', path.join(dir, 'nope')])).code).toBe(3);
    const r = await runCli(['audit', clean, '--now', 'yesterday', '-o', path.join(dir, 'x.json')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--now "yesterday" is not a date/);
  });
});
