import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { BulwarkError, VerificationError, errorMessage } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { SystemCard } from '../core/system-card.js';
import type {
  EvidenceCheck,
  EvidenceDocument,
  EvidenceFinding,
  Measurement,
  Pillar,
} from '../governance/evidence.js';
import { EVIDENCE_SCHEMA_VERSION, finalizeEvidence } from '../governance/evidence.js';
import { classifyEuAiAct } from '../governance/risk.js';
import { sha256File } from '../provenance/attest/digest.js';
import { buildCycloneDxBom } from '../provenance/bom/cyclonedx.js';
import { MAX_BUNDLE_BYTES, parseBundle, type SigstoreBundleJson } from '../provenance/bundle.js';
import { hashModel } from '../provenance/oms/parallel.js';
import type { ModelManifest } from '../provenance/oms/types.js';
import { verifyModel } from '../provenance/oms/verify-model.js';
import { verificationFindings } from '../provenance/rules.js';
import { verifierForBundle, type TrustOptions } from '../provenance/signing/dispatch.js';
import { defaultSignaturePath } from '../provenance/verify-on-load.js';
import { scan } from '../scan/engine.js';
import type { ScanOptions, ScanReport } from '../scan/types.js';
import { loadEvidence, type EvidenceItem } from '../trust/card/evidence.js';
import { buildModelCard } from '../trust/card/model-card.js';
import { packageVersion } from '../cli/version.js';

export interface AuditOptions {
  /** System card: a parsed card (the CLI reads the YAML file). */
  systemCard?: SystemCard;
  /** Signature bundle path. Default: `DIR/model.sig` or `FILE.sig` when present. */
  signature?: string;
  /** What the signature must be verified against. Without it, a present signature is `inconclusive`. */
  trust?: TrustOptions;
  /** Further evidence: JSON outputs of other Bulwark commands (fairness, privacy, robustness…). */
  evidence?: string[];
  /** Build a CycloneDX BOM (default true). */
  bom?: boolean;
  scanOptions?: ScanOptions;
  /** Creation time of the document (reproducible reports). Default: now. */
  now?: Date;
  /** Called when each check starts (progress display). */
  onCheck?: (id: string) => void;
}

/** The BOM the audit built, for callers that want to write it out. */
export interface AuditResult {
  evidence: EvidenceDocument;
  bom?: unknown;
  scanReport: ScanReport;
}

function toEvidenceFindings(findings: Finding[], check: string, pillar: Pillar): EvidenceFinding[] {
  return findings.map((f) => ({ ...f, check, pillar }));
}

/** Streamed SHA-256 of an input file for the evidence's source list; undefined when it cannot be read. */
function inputDigest(file: string): Promise<string | undefined> {
  return sha256File(file).catch(() => undefined);
}

function newCheck(
  id: string,
  pillar: Pillar,
  title: string,
  started: number,
  inputs: EvidenceCheck['source']['inputs'],
): EvidenceCheck {
  return {
    id,
    pillar,
    title,
    status: 'pass',
    reason: '',
    source: { tool: 'bulwark', version: packageVersion(), inputs },
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    measurements: [],
    data: {},
    findings: [],
  };
}

function done(c: EvidenceCheck, started: number): EvidenceCheck {
  c.durationMs = Date.now() - started;
  return c;
}

/** Runs the scanner over the subject and turns its report into the `scan` check. */
async function scanCheck(
  target: string,
  opts: AuditOptions,
): Promise<{ check: EvidenceCheck; report: ScanReport }> {
  const t0 = Date.now();
  const c = newCheck('scan', 'supply-chain', 'Model artifact scan', t0, [{ path: target, role: 'model' }]);
  const report = await scan([target], opts.scanOptions ?? {});
  const verdicts: Record<string, number> = {};
  for (const f of report.files) verdicts[f.verdict] = (verdicts[f.verdict] ?? 0) + 1;
  const findings = report.files.flatMap((f) => f.findings);
  c.findings = toEvidenceFindings(findings, 'scan', 'supply-chain');
  c.data = {
    verdicts,
    files: report.files.map((f) => ({
      path: f.path,
      verdict: f.verdict,
      formats: (f as { formats?: unknown }).formats,
      findings: f.findings.length,
    })),
    summary: report.summary,
  };
  c.measurements = [
    { name: 'files', value: report.files.length },
    { name: 'malicious', value: verdicts.malicious ?? 0, threshold: { op: '==', value: 0 } },
    { name: 'inconclusive', value: verdicts.inconclusive ?? 0 },
  ];
  if (verdicts.malicious) {
    c.status = 'fail';
    c.reason = `${verdicts.malicious} file(s) malicious`;
  } else if (verdicts.inconclusive) {
    c.status = 'inconclusive';
    c.reason = `${verdicts.inconclusive} file(s) could not be fully analysed`;
  } else {
    c.reason = `${report.files.length} file(s) analysed; ${verdicts.suspicious ?? 0} suspicious`;
  }
  return { check: done(c, t0), report };
}

async function signatureCheck(
  target: string,
  opts: AuditOptions,
  onDefaultManifest?: (m: ModelManifest) => void,
): Promise<EvidenceCheck> {
  const t0 = Date.now();
  const sigPath = opts.signature ?? (await defaultSignaturePath(target));
  const present = await stat(sigPath).then(
    (s) => s.isFile(),
    () => false,
  );
  const c = newCheck(
    'signature',
    'provenance',
    'Model signature (OpenSSF Model Signing)',
    t0,
    present
      ? [
          {
            path: sigPath,
            role: 'signature',
            ...(await inputDigest(sigPath).then((h) => (h ? { sha256: h } : {}))),
          },
        ]
      : [],
  );
  const location = { file: sigPath };
  if (!present) {
    if (opts.signature)
      throw new BulwarkError(
        'E_NOT_FOUND',
        `signature ${JSON.stringify(opts.signature)} does not exist; check --signature`,
      );
    c.status = 'skipped';
    c.reason = 'no signature found (model.sig)';
    c.data = { signed: false };
    c.findings = toEvidenceFindings(
      verificationFindings(new VerificationError('unsigned', 'the model is not signed'), {
        file: target,
      }),
      'signature',
      'provenance',
    );
    return done(c, t0);
  }
  let bundle: SigstoreBundleJson;
  try {
    // Size first: a hostile "signature" must not be read whole into memory.
    const size = (await stat(sigPath)).size;
    if (size > MAX_BUNDLE_BYTES)
      throw new VerificationError(
        'malformed-bundle',
        `signature ${sigPath} is ${size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`,
      );
    bundle = parseBundle(await readFile(sigPath));
  } catch (err) {
    c.status = 'fail';
    c.reason = `signature unreadable: ${errorMessage(err)}`;
    c.data = {
      signed: true,
      verified: false,
      reason: err instanceof VerificationError ? err.reason : 'error',
    };
    c.findings = toEvidenceFindings(verificationFindings(err, location), 'signature', 'provenance');
    return done(c, t0);
  }
  const vm = bundle?.verificationMaterial ?? {};
  const method = vm.certificate
    ? 'sigstore'
    : vm.x509CertificateChain
      ? 'certificate'
      : vm.publicKey
        ? 'key'
        : 'unknown';
  c.data = { signed: true, method };
  const trust = opts.trust ?? {};
  const haveTrust =
    (method === 'key' && trust.publicKey !== undefined) ||
    method === 'certificate' ||
    (method === 'sigstore' && trust.sigstore !== undefined);
  if (!haveTrust) {
    c.status = 'inconclusive';
    c.reason = `signed (${method}), but no ${method === 'sigstore' ? 'identity and issuer' : 'public key'} was given to verify it`;
    return done(c, t0);
  }
  try {
    const verifier = verifierForBundle(bundle, trust);
    const v = await verifyModel(target, bundle, verifier, {
      signaturePath: sigPath,
      ...(onDefaultManifest ? { onDefaultManifest } : {}),
    });
    c.status = 'pass';
    c.reason = `verified: ${v.resources} resource(s), signer ${v.signer.subject ?? v.signer.keyHint ?? v.signer.method}`;
    c.data = {
      signed: true,
      method,
      verified: true,
      signer: v.signer,
      rootDigest: v.rootDigest,
      resources: v.resources,
      compat: v.compat,
      warnings: v.warnings,
    };
  } catch (err) {
    c.status = err instanceof VerificationError ? 'fail' : 'error';
    c.reason = `not verified: ${errorMessage(err)}`;
    c.data = {
      signed: true,
      method,
      verified: false,
      reason: err instanceof VerificationError ? err.reason : 'error',
    };
    c.findings = toEvidenceFindings(verificationFindings(err, location), 'signature', 'provenance');
  }
  return done(c, t0);
}

async function bomCheck(
  target: string,
  manifest: ModelManifest | undefined,
  scanReportPath: string | undefined,
  opts: AuditOptions,
): Promise<{ check: EvidenceCheck; bom?: unknown }> {
  const t0 = Date.now();
  const c = newCheck('bom', 'provenance', 'AI bill of materials (CycloneDX ML-BOM)', t0, [
    { path: target, role: 'model' },
  ]);
  try {
    const r = await buildCycloneDxBom(target, {
      ...(manifest ? { manifest } : {}),
      ...(opts.now ? { timestamp: opts.now, reproducible: true } : {}),
      ...(scanReportPath ? { scanReport: scanReportPath } : {}),
    });
    const doc = r.document as { serialNumber?: string; specVersion?: string; components?: unknown[] };
    c.data = {
      specVersion: doc.specVersion,
      serialNumber: doc.serialNumber,
      components: doc.components?.length ?? 0,
      warnings: r.warnings,
      datasets: r.card.datasets ?? [],
    };
    c.measurements = [{ name: 'components', value: doc.components?.length ?? 0 }];
    c.reason = `CycloneDX ${doc.specVersion} with ${doc.components?.length ?? 0} component(s)${r.warnings.length ? `, ${r.warnings.length} warning(s)` : ''}`;
    return { check: done(c, t0), bom: r.document };
  } catch (err) {
    c.status = 'error';
    c.reason = `could not build the BOM: ${errorMessage(err)}`;
    return { check: done(c, t0) };
  }
}

async function cardCheck(
  target: string,
  opts: AuditOptions,
  evidence: EvidenceItem[],
): Promise<EvidenceCheck> {
  const t0 = Date.now();
  const c = newCheck('card', 'governance', 'Model card and EU AI Act information', t0, [
    { path: target, role: 'model' },
  ]);
  const card = await buildModelCard({
    modelPath: target,
    ...(opts.systemCard ? { systemCard: opts.systemCard } : {}),
    evidence,
  });
  c.findings = toEvidenceFindings(card.findings, 'card', 'governance');
  const missing = card.euAiAct.items.filter((i) => i.value === undefined).map((i) => i.id);
  c.data = {
    model: card.model,
    evaluationResults: card.evaluation.results.length,
    euAiActMissing: missing,
    highRisk: card.euAiAct.highRisk,
    metadataProblems: card.metadataProblems.length,
  };
  c.measurements = [{ name: 'card_findings', value: card.findings.length }];
  c.status = card.findings.some((f) => f.severity === 'high' || f.severity === 'critical') ? 'fail' : 'pass';
  c.reason = card.findings.length ? `${card.findings.length} item(s) missing or invalid` : 'complete';
  return done(c, t0);
}

const PILLAR_OF_KIND: Record<string, Pillar> = {
  fairness: 'trust',
  privacy: 'trust',
  verification: 'provenance',
  'cyclonedx-bom': 'provenance',
  attestation: 'provenance',
};

/** Turns an evidence file produced by another Bulwark command into a check. */
function importedCheck(item: EvidenceItem, sha256: string | undefined): EvidenceCheck {
  const t0 = Date.now();
  const data = item.data;
  const kind = item.kind === 'other' && typeof data.kind === 'string' ? data.kind : item.kind;
  const robustness = typeof data.kind === 'string' && data.kind.includes('robust');
  const id = robustness
    ? 'robustness'
    : kind === 'privacy'
      ? 'privacy'
      : kind === 'fairness'
        ? 'fairness'
        : String(kind).replace(/^bulwark\./, '');
  const adversarial =
    robustness || /llm|drift|guard|poison|extraction|membership-attack|robust/.test(String(kind));
  const pillar: Pillar = adversarial ? 'adversarial' : (PILLAR_OF_KIND[item.kind] ?? 'trust');
  const c = newCheck(id, pillar, `${id} (from ${path.basename(item.file)})`, t0, [
    { path: item.file, role: 'evidence', ...(sha256 ? { sha256 } : {}) },
  ]);
  c.findings = toEvidenceFindings(item.findings, id, pillar);
  c.measurements = collectMeasurements(data);
  const { findings: _f, ...rest } = data;
  c.data = rest;
  const bad = item.findings.some((f) => f.severity === 'critical' || f.severity === 'high');
  c.status = bad ? 'fail' : 'pass';
  c.reason = bad
    ? `${item.findings.length} finding(s), at least one high or critical`
    : `${item.findings.length} finding(s), none high or critical`;
  return done(c, t0);
}

/** Scalar metrics of an imported document (bounded walk), so policies can read `checks.X.measurements`. */
function collectMeasurements(data: Record<string, unknown>): Measurement[] {
  const out: Measurement[] = [];
  const walk = (v: unknown, prefix: string, depth: number) => {
    if (out.length >= 200 || depth > 4 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'findings') continue;
      const name = prefix ? `${prefix}.${k}` : k;
      if (typeof x === 'number' && Number.isFinite(x)) out.push({ name, value: x });
      else walk(x, name, depth + 1);
    }
  };
  walk(data.metrics ?? data.summary ?? data, '', 0);
  return out;
}

/**
 * Audits a model (file, directory or hub-style repository): runs every applicable check and returns the evidence
 * document. A check that cannot complete is recorded with status `error` or `inconclusive`, never dropped.
 */
export async function audit(target: string, opts: AuditOptions = {}): Promise<AuditResult> {
  const abs = path.resolve(target);
  const st = await stat(abs).catch(() => undefined);
  if (!st)
    throw new BulwarkError('E_NOT_FOUND', `path ${JSON.stringify(target)} does not exist; check the path`);
  const checks: EvidenceCheck[] = [];

  opts.onCheck?.('scan');
  const { check: sc, report } = await scanCheck(abs, opts);
  checks.push(sc);

  // The signature check runs first: when it verifies a model signed with the default hashing parameters, the
  // manifest it computed is the subject's manifest, and the model is not hashed a second time.
  opts.onCheck?.('signature');
  let manifest: ModelManifest | undefined;
  checks.push(await signatureCheck(abs, opts, (m) => (manifest = m)));

  opts.onCheck?.('hash');
  const sigPath = opts.signature ?? (await defaultSignaturePath(abs));
  if (!manifest) {
    try {
      manifest = await hashModel(abs, { ignorePaths: [sigPath] });
    } catch {
      // Unhashable (e.g. a symlink): the subject has no root digest; the signature check reports the details.
    }
  }

  let bom: unknown;
  if (opts.bom !== false) {
    opts.onCheck?.('bom');
    const r = await bomCheck(abs, manifest, undefined, opts);
    checks.push(r.check);
    bom = r.bom;
  }

  const imported: EvidenceItem[] = [];
  for (const file of opts.evidence ?? []) imported.push(await loadEvidence(file));

  opts.onCheck?.('card');
  checks.push(await cardCheck(abs, opts, imported));

  for (const item of imported) checks.push(importedCheck(item, await inputDigest(item.file)));

  const risk = { euAiAct: classifyEuAiAct(opts.systemCard) };
  const now = opts.now ?? new Date();
  const doc: EvidenceDocument = {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    kind: 'bulwark.evidence',
    tool: { name: 'bulwark', version: packageVersion() },
    createdAt: now.toISOString(),
    subject: {
      path: target,
      name: manifest?.modelName ?? path.basename(abs),
      ...(manifest ? { rootDigest: manifest.rootDigest } : {}),
      files: report.files.length,
      bytes: manifest?.bytes ?? 0,
    },
    ...(opts.systemCard ? { systemCard: opts.systemCard } : {}),
    risk,
    checks,
    findings: [],
    summary: undefined as never,
  };
  return { evidence: finalizeEvidence(doc), ...(bom ? { bom } : {}), scanReport: report };
}
