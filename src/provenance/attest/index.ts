export * from './types.js';
export {
  modelSubjects,
  buildScanStatement,
  buildBomStatement,
  buildTrainingStatement,
  ruleSetVersion,
  SCAN_PREDICATE_LIMITS,
  type Subject,
  type ModelDigest,
  type SubjectOptions,
  type ScanStatementOptions,
  type BomFormat,
} from './statements.js';
export {
  validateTrainingRunSpec,
  loadTrainingRunSpec,
  buildTrainingProvenance,
  dependenciesByRole,
  type ResolveOptions,
} from './training.js';
export { attest, attestationPayload, decodeStatement, peekStatement } from './sign.js';
export {
  checkAttestation,
  verifyAttestationBundle,
  type AttestationCheck,
  type AttestationKind,
  type AttestationProblem,
  type AttestationProblemCode,
  type AttestationFailure,
  type AttestationVerification,
  type CheckAttestationOptions,
} from './verify.js';
export {
  verifyLineage,
  type LineageLink,
  type LineageResult,
  type LineageLinkResult,
  type LineageFailure,
  type LineageOptions,
  type DatasetCheck,
} from './lineage.js';
export { digestPath, sha256File, hashTree, signatureFiles, SIGNATURE_FILE } from './digest.js';
export {
  statementProblems,
  slsaProblems,
  trainingProblems,
  scanPredicateProblems,
  cycloneDxProblems,
  spdxProblems,
  resourceDescriptorProblems,
} from './schema.js';
export { attestationFindings, ATT_SIGNATURE, ATT_SUBJECT, ATT_LINEAGE, ATT_MALFORMED } from './rules.js';
