import type { Finding } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import type { SystemCard } from '../core/system-card.js';
import type { Verdict } from '../core/verdict.js';

/** Version of the evidence document layout (docs/schema/evidence.schema.json). Bumped on breaking changes only. */
export const EVIDENCE_SCHEMA_VERSION = '1.0';

/** The pillars a check belongs to. */
export type Pillar = 'supply-chain' | 'provenance' | 'governance' | 'trust' | 'adversarial';

/** Outcome of one check. `inconclusive` means it ran but could not decide; `skipped` means it did not apply. */
export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'skipped' | 'error';

/** One number a check measured, with its threshold when the check compares it to one. */
export interface Measurement {
  name: string;
  value: number;
  unit?: string;
  /** The bound the check applied, e.g. `{op: '>=', value: 0.8}` for disparate impact. */
  threshold?: { op: '<' | '<=' | '>' | '>=' | '=='; value: number };
  /** Group, attack or slice the value is about, e.g. `sex=Female` or `pgd-linf eps=0.1`. */
  slice?: string;
}

/** A finding inside the evidence document: the shared model plus the check that produced it. */
export type EvidenceFinding = Finding & { check: string; pillar: Pillar };

/** One check of the audit and everything it produced, with where it came from. */
export interface EvidenceCheck {
  /** Stable id: `scan`, `signature`, `bom`, `card`, `fairness`, `privacy-pii`, `robustness`, … */
  id: string;
  pillar: Pillar;
  title: string;
  status: CheckStatus;
  /** One-line reason for the status (e.g. "2 files malicious", "no signature found"). */
  reason: string;
  /** Which tool and version produced it, and from which inputs (paths and their SHA-256 where read). */
  source: { tool: string; version: string; inputs: { path: string; sha256?: string; role?: string }[] };
  startedAt: string;
  durationMs: number;
  measurements: Measurement[];
  /** Check-specific structured result (scan summary, signer identity, BOM serial, metric tables…). */
  data: Record<string, unknown>;
  findings: EvidenceFinding[];
}

/** EU AI Act risk tier derived from the system card. */
export type EuRiskTier = 'prohibited' | 'high-risk' | 'transparency' | 'minimal' | 'unknown';

export interface RiskClassification {
  euAiAct: { tier: EuRiskTier; annexIIIArea?: string; prohibitedPractices: string[]; reasons: string[] };
}

/**
 * The audit's single output: every finding and measurement of every check about one subject (a model file, a
 * directory, a hub-style repository), plus the system card and risk classification. Input to gates and reports.
 */
export interface EvidenceDocument {
  schemaVersion: typeof EVIDENCE_SCHEMA_VERSION;
  kind: 'bulwark.evidence';
  tool: { name: 'bulwark'; version: string };
  /** The one timestamp of the document; reports of the same evidence differ only here. */
  createdAt: string;
  subject: {
    path: string;
    name: string;
    /** OMS root digest (SHA-256) of the model, when it could be hashed. */
    rootDigest?: string;
    files: number;
    bytes: number;
  };
  systemCard?: SystemCard;
  risk?: RiskClassification;
  checks: EvidenceCheck[];
  /** Every finding of every check, flattened (same objects as in `checks[].findings`). */
  findings: EvidenceFinding[];
  summary: EvidenceSummary;
}

export interface EvidenceSummary {
  /** Worst verdict of the scanned artifacts (clean when nothing was scanned). */
  verdict: Verdict;
  malicious: number;
  suspicious: number;
  inconclusive: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  byPillar: Record<Pillar, number>;
  checks: Record<CheckStatus, number>;
  /** A signature bundle was found or given. */
  signed: boolean;
  /** true / false once verified; null when no signature was checked. */
  signatureVerified: boolean | null;
}

const SEVERITY_KEYS: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const PILLARS: Pillar[] = ['supply-chain', 'provenance', 'governance', 'trust', 'adversarial'];
const STATUSES: CheckStatus[] = ['pass', 'fail', 'inconclusive', 'skipped', 'error'];

/** Recomputes `findings` and `summary` from `checks` (call after adding or changing checks). */
export function finalizeEvidence(doc: EvidenceDocument): EvidenceDocument {
  doc.findings = doc.checks.flatMap((c) => c.findings);
  const bySeverity = Object.fromEntries(SEVERITY_KEYS.map((s) => [s, 0])) as Record<Severity, number>;
  const byPillar = Object.fromEntries(PILLARS.map((p) => [p, 0])) as Record<Pillar, number>;
  const checks = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  for (const f of doc.findings) {
    bySeverity[f.severity]++;
    byPillar[f.pillar]++;
  }
  for (const c of doc.checks) checks[c.status]++;
  const scan = doc.checks.find((c) => c.id === 'scan');
  const verdicts = (scan?.data.verdicts ?? {}) as Partial<Record<Verdict, number>>;
  const sig = doc.checks.find((c) => c.id === 'signature');
  const signed = sig?.data.signed === true;
  doc.summary = {
    verdict:
      (['malicious', 'inconclusive', 'suspicious'] as Verdict[]).find((v) => (verdicts[v] ?? 0) > 0) ??
      'clean',
    malicious: verdicts.malicious ?? 0,
    suspicious: verdicts.suspicious ?? 0,
    inconclusive: verdicts.inconclusive ?? 0,
    findings: doc.findings.length,
    bySeverity,
    byPillar,
    checks,
    signed,
    signatureVerified: !sig || !signed ? null : sig.status === 'pass',
  };
  return doc;
}
