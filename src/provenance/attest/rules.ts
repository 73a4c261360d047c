import type { Finding } from '../../core/finding.js';
import { defineRule, defineRuleFamily, makeFinding, type RuleMeta } from '../../core/rules.js';
import type { LineageResult } from './lineage.js';
import type { AttestationVerification } from './verify.js';

defineRuleFamily(
  'attestation',
  `Checks of signed in-toto attestations about models: scan results, BOMs and SLSA training-run provenance. An attestation binds a claim to a model's OMS root digest; these rules fire when the signature, the subject, the predicate or a lineage link (base model, dataset, output model) does not hold.`,
);

const SUPPLY_CHAIN_MODEL = { atlas: ['AML.T0010.003'], owaspMl: ['ML06'] };

export const ATT_SIGNATURE = defineRule({
  id: 'BW-ATT-001',
  name: 'attestation-signature-invalid',
  family: 'attestation',
  title: 'Attestation signature is invalid or from an untrusted signer',
  description:
    'The DSSE signature of the attestation bundle does not verify with the given key, certificate chain or Sigstore identity: the attestation was altered, or it was signed by someone else. Its claims (scan result, BOM, training lineage) cannot be trusted.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Obtain the attestation from its producer again and verify it with the producer’s public key, certificate chain or identity; do not rely on its claims until it verifies.',
  references: { ...SUPPLY_CHAIN_MODEL, cwe: ['CWE-347'] },
});

export const ATT_SUBJECT = defineRule({
  id: 'BW-ATT-002',
  name: 'attestation-subject-mismatch',
  family: 'attestation',
  title: 'Attestation is not about this model',
  description:
    'The model on disk hashes (OMS root digest) to a value that no subject of the attestation carries: the model changed after it was attested, or the attestation belongs to another model.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Compare the model with the one that was attested (same files, same hashing options); re-attest it if the change is legitimate.',
  references: { ...SUPPLY_CHAIN_MODEL, cwe: ['CWE-345'] },
});

export const ATT_LINEAGE = defineRule({
  id: 'BW-ATT-003',
  name: 'lineage-link-broken',
  family: 'attestation',
  title: 'Lineage link is broken (base model, dataset or output model)',
  description:
    'A training-run attestation does not connect to its inputs or outputs: the base model it names is not the signed base model, a dataset on disk differs from the one the run used, or the run names no base model where the chain expects one. The model’s claimed origin cannot be established.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Check which input changed (the message names it); use the exact base model and dataset versions the run used, or attest the new run.',
  references: {
    atlas: ['AML.T0010.003', 'AML.T0010.002', 'AML.T0020'],
    owaspMl: ['ML06', 'ML02'],
    cwe: ['CWE-345'],
  },
});

export const ATT_MALFORMED = defineRule({
  id: 'BW-ATT-004',
  name: 'attestation-malformed',
  family: 'attestation',
  title: 'Attestation is malformed or of an unknown type',
  description:
    'The bundle or its in-toto statement does not have the expected shape (statement type, subject digests, predicate type, predicate fields), so its claims cannot be checked.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation: 'Regenerate the attestation with a conforming tool (e.g. `bulwark attest`).',
  references: { cwe: ['CWE-20'] },
});

/** The rule a failure reason belongs to. */
export function ruleForReason(reason: string): RuleMeta {
  switch (reason) {
    case 'subject-mismatch':
    case 'root-digest-mismatch':
      return ATT_SUBJECT;
    case 'base-model-mismatch':
    case 'base-model-missing':
    case 'dataset-mismatch':
    case 'dataset-missing':
    case 'dataset-unknown':
      return ATT_LINEAGE;
    case 'malformed-bundle':
    case 'malformed-attestation':
    case 'malformed-statement':
    case 'malformed-predicate':
    case 'unknown-predicate-type':
    case 'wrong-predicate-type':
    case 'wrong-payload-type':
    case 'wrong-media-type':
      return ATT_MALFORMED;
    default:
      return ATT_SIGNATURE;
  }
}

function isLineage(r: AttestationVerification | LineageResult): r is LineageResult {
  return Array.isArray((r as LineageResult).links);
}

/**
 * Findings for the audit pipeline: one per failed check of an attestation verification (every statement problem),
 * or one per broken lineage link. `file` is the bundle (or chain file) the findings are reported at.
 */
export function attestationFindings(
  result: AttestationVerification | LineageResult,
  file: string,
): Finding[] {
  if (isLineage(result))
    return result.links
      .filter((l) => !l.ok)
      .map((l) => {
        const rule = ruleForReason(l.reason ?? '');
        return makeFinding(rule === ATT_SUBJECT && l.index > 0 ? ATT_LINEAGE : rule, {
          message: l.message ?? `${l.label} is broken`,
          location: { file },
          evidence: { link: l.index + 1, label: l.label, model: l.modelPath, reason: l.reason },
        });
      });
  if (result.ok) return [];
  const problems = result.check?.problems.length
    ? result.check.problems.map((p) => ({ reason: p.code as string, message: p.message }))
    : [
        {
          reason: result.reason ?? 'bad-signature',
          message: result.message ?? 'the attestation did not verify',
        },
      ];
  return problems.map((p) =>
    makeFinding(ruleForReason(p.reason), {
      message: p.message,
      location: { file },
      evidence: {
        reason: p.reason,
        ...(result.check
          ? { predicateType: result.check.predicateType, subject: result.check.subjectDigest }
          : {}),
      },
    }),
  );
}
