import { BulwarkError, VerificationError, type VerificationFailure } from '../core/errors.js';
import type { Finding, Location } from '../core/finding.js';
import { defineRule, defineRuleFamily, makeFinding, type RuleMeta } from '../core/rules.js';

defineRuleFamily(
  'provenance',
  `Findings about the provenance of a model: whether it carries an OpenSSF Model Signing (OMS) signature, whether the
signature is valid and from a trusted signer, and whether the files on disk are exactly the files that were signed.
They come from \`bulwark verify\`, verify-on-load and audits, so that a failed verification gates a pipeline the same
way a scan finding does.`,
);

const SUPPLY_CHAIN = {
  atlas: ['AML.T0010', 'AML.T0010.003'],
  owaspMl: ['ML06'],
  owaspLlm: ['LLM03'],
  euAiAct: ['Art. 15'],
  nistAiRmf: ['GOVERN 6.1', 'MAP 4.1'],
  iso42001: ['A.10.3'],
};

export const PROV_UNSIGNED = defineRule({
  id: 'BW-PROV-001',
  name: 'unsigned-model',
  family: 'provenance',
  title: 'Model has no signature',
  description:
    'No OpenSSF Model Signing bundle (model.sig) was found for the model, so nothing ties its files to a publisher: any copy, mirror or cache could have replaced them.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Ask the publisher for a signature, or sign the model yourself right after you obtained and vetted it (`bulwark sign key|certificate|sigstore MODEL`), then verify before every load.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-345', 'CWE-494'] },
});

export const PROV_FILES_MISMATCH = defineRule({
  id: 'BW-PROV-002',
  name: 'signature-files-mismatch',
  family: 'provenance',
  title: 'Model files do not match their signature',
  description:
    'The signature is valid, but the files on disk differ from what was signed: a file was modified (tampered), a signed file is missing, a file was added that the signature does not cover, or the statement lists digests inconsistent with its own root digest. Loading such a model runs content nobody vouched for.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    'Do not load the model. Fetch it again from the publisher and verify; if the change is yours (re-saved weights, added files), sign the new version. Unsigned helper files can be accepted with --ignore-paths or --ignore-unsigned-files.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-345', 'CWE-354'] },
});

export const PROV_BAD_SIGNATURE = defineRule({
  id: 'BW-PROV-003',
  name: 'signature-invalid-or-untrusted',
  family: 'provenance',
  title: 'Signature is invalid or from an untrusted signer',
  description:
    'The signature does not verify, was made by another key than the one trusted, its certificate chain does not lead to a trusted root (or a certificate was not valid or not allowed to sign), the signer identity is not the expected one, or its transparency-log evidence does not check out.',
  severity: 'high',
  impact: 'suspicious',
  confidence: 'high',
  remediation:
    "Do not load the model. Check that you passed the publisher's public key, root certificate or Sigstore identity and issuer; if they are right, the bundle or the model was replaced.",
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-347', 'CWE-295'] },
});

export const PROV_MALFORMED = defineRule({
  id: 'BW-PROV-004',
  name: 'signature-bundle-malformed',
  family: 'provenance',
  title: 'Signature bundle is malformed or unsupported',
  description:
    'The signature file is not a Sigstore bundle v0.3 with a DSSE envelope holding an in-toto statement of a model signature (not JSON, fields missing, wrong media type, payload or predicate type), so it proves nothing about the model.',
  severity: 'medium',
  impact: 'inconclusive',
  confidence: 'high',
  remediation:
    'Pass the model.sig written by `bulwark sign` or `model_signing sign`; if it is one, it was truncated or altered — fetch it again.',
  references: { ...SUPPLY_CHAIN, cwe: ['CWE-345'] },
});

/** Which rule a verification failure reason maps to. */
export function ruleForReason(reason: VerificationFailure | 'unsigned'): RuleMeta {
  switch (reason) {
    case 'unsigned':
      return PROV_UNSIGNED;
    case 'tampered-file':
    case 'extra-file':
    case 'missing-file':
    case 'root-digest-mismatch':
    case 'hashing-mismatch':
    case 'empty-model':
    case 'subject-mismatch':
      return PROV_FILES_MISMATCH;
    case 'bad-signature':
    case 'wrong-key':
    case 'untrusted-certificate':
    case 'certificate-usage':
    case 'wrong-identity':
    case 'tlog':
    case 'bad-proof':
    case 'log-rewritten':
      return PROV_BAD_SIGNATURE;
    case 'malformed-bundle':
    case 'wrong-media-type':
    case 'wrong-payload-type':
    case 'wrong-predicate-type':
    default:
      return PROV_MALFORMED;
  }
}

/** Anything with `verified: true` (a `ModelVerification`) counts as a passed verification. */
interface VerifiedLike {
  verified: true;
}

/**
 * Turns the outcome of a model verification into findings, so gates and reports treat it like scan findings:
 * a successful verification gives none; a `VerificationError` gives one finding of the matching BW-PROV rule with
 * the reason and the files involved as evidence; an unsigned model (reason `unsigned`, e.g. from verify-on-load)
 * gives BW-PROV-001. Other errors (I/O, usage) are reported as a malformed/unreadable signature (BW-PROV-004),
 * inconclusive, never clean.
 */
export function verificationFindings(outcome: VerifiedLike | unknown, location: Location): Finding[] {
  if (typeof outcome === 'object' && outcome !== null && (outcome as VerifiedLike).verified === true)
    return [];
  if (outcome instanceof VerificationError) {
    const reason = outcome.reason as VerificationFailure | 'unsigned';
    const evidence: Record<string, unknown> = { reason };
    for (const key of ['tampered', 'missing', 'extra'] as const) {
      const list = outcome.details[key];
      if (Array.isArray(list) && list.length) evidence[key] = list.slice(0, 50);
    }
    for (const key of ['keyHint', 'subject', 'mediaType', 'predicateType', 'problem'] as const) {
      const v = outcome.details[key];
      if (typeof v === 'string') evidence[key] = v.slice(0, 200);
    }
    return [makeFinding(ruleForReason(reason), { message: outcome.message, location, evidence })];
  }
  const message =
    outcome instanceof BulwarkError || outcome instanceof Error
      ? `the model could not be verified: ${outcome.message}`
      : 'the model could not be verified';
  const code = outcome instanceof BulwarkError ? outcome.code : undefined;
  return [
    makeFinding(PROV_MALFORMED, {
      message,
      location,
      evidence: code ? { reason: 'error', code } : { reason: 'error' },
    }),
  ];
}
