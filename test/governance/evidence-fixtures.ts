import type { EvidenceCheck, EvidenceDocument, EvidenceFinding } from '../../src/governance/evidence.js';
import { finalizeEvidence } from '../../src/governance/evidence.js';

/** A finding as the scanner would produce it, attached to the scan check. */
export function scanFinding(
  ruleId: string,
  severity: EvidenceFinding['severity'],
  file = 'model.pkl',
): EvidenceFinding {
  return {
    ruleId,
    severity,
    confidence: 'high',
    impact: severity === 'critical' ? 'malicious' : 'suspicious',
    message: `${ruleId} in ${file}`,
    location: { file },
    check: 'scan',
    pillar: 'supply-chain',
  };
}

export function check(
  id: string,
  status: EvidenceCheck['status'],
  data: Record<string, unknown> = {},
  findings: EvidenceFinding[] = [],
): EvidenceCheck {
  return {
    id,
    pillar:
      id === 'scan'
        ? 'supply-chain'
        : id === 'signature' || id === 'bom'
          ? 'provenance'
          : id === 'card'
            ? 'governance'
            : 'trust',
    title: id,
    status,
    reason: status,
    source: { tool: 'bulwark', version: '0.0.0-test', inputs: [] },
    startedAt: '2026-11-26T00:00:00.000Z',
    durationMs: 1,
    measurements: [],
    data,
    findings,
  };
}

/** A synthetic evidence document with the given scan verdict counts and extra checks. */
export function evidence(
  opts: {
    malicious?: number;
    inconclusive?: number;
    findings?: EvidenceFinding[];
    checks?: EvidenceCheck[];
    signed?: boolean;
    verified?: boolean;
    system?: Record<string, unknown>;
    tier?: string;
  } = {},
): EvidenceDocument {
  const verdicts = { clean: 2, malicious: opts.malicious ?? 0, inconclusive: opts.inconclusive ?? 0 };
  const checks = [
    check('scan', opts.malicious ? 'fail' : 'pass', { verdicts }, opts.findings ?? []),
    ...(opts.signed !== undefined
      ? [
          check('signature', opts.signed ? (opts.verified ? 'pass' : 'fail') : 'skipped', {
            signed: opts.signed,
          }),
        ]
      : []),
    ...(opts.checks ?? []),
  ];
  return finalizeEvidence({
    schemaVersion: '1.0',
    kind: 'bulwark.evidence',
    tool: { name: 'bulwark', version: '0.0.0-test' },
    createdAt: '2026-11-26T00:00:00.000Z',
    subject: { path: '/models/demo', name: 'demo', rootDigest: 'ab'.repeat(32), files: 3, bytes: 1000 },
    ...(opts.system ? { systemCard: opts.system } : {}),
    risk: { euAiAct: { tier: (opts.tier ?? 'minimal') as 'minimal', prohibitedPractices: [], reasons: [] } },
    checks,
    findings: [],
    summary: undefined as never,
  });
}
