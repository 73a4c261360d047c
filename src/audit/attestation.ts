import type { EvidenceDocument } from '../governance/evidence.js';
import { INTOTO_STATEMENT_V1, type InTotoStatement } from '../provenance/bundle.js';

/** Predicate type of a signed Bulwark evidence document. */
export const EVIDENCE_PREDICATE_TYPE = 'https://bulwark.dev/attestation/evidence/v1';

/**
 * The in-toto statement for an evidence document: subject = the model (OMS root digest), predicate = the evidence.
 * Signed like a model signature, a registry or CI step downstream can trust the audit's outcome.
 */
export function evidenceStatement(doc: EvidenceDocument): InTotoStatement<EvidenceDocument> {
  if (!doc.subject.rootDigest)
    throw new TypeError(
      'the evidence has no root digest for its subject (the model could not be hashed); it cannot be attested',
    );
  return {
    _type: INTOTO_STATEMENT_V1,
    subject: [{ name: doc.subject.name, digest: { sha256: doc.subject.rootDigest } }],
    predicateType: EVIDENCE_PREDICATE_TYPE,
    predicate: doc,
  };
}
