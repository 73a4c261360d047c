/**
 * Bulwark library API.
 *
 *   import { scan, toSarif } from 'bulwark';
 *   const report = await scan(['models/']);
 */
export { scan, scanBytes } from './scan/engine.js';
export type {
  ScanReport,
  ScanSummary,
  FileResult,
  MemberResult,
  ScanOptions,
  ScanProgress,
} from './scan/types.js';
export type { Finding, Location, References, Confidence, Impact } from './core/finding.js';
export { SEVERITIES, atLeast, severityRank, isSeverity, type Severity } from './core/severity.js';
export { VERDICTS, worseVerdict, type Verdict } from './core/verdict.js';
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './core/limits.js';
export { allRules, getRule, type RuleMeta } from './core/rules.js';
export type { PolicyExtension } from './scan/pickle/policy.js';
export type { AllowRule, DenyRule } from './scan/pickle/policy-types.js';
export {
  BulwarkError,
  UsageError,
  ConfigError,
  ParseError,
  LimitError,
  errorMessage,
  type ErrorCode,
} from './core/errors.js';
export { toJson, JSON_SCHEMA_PATH, type JsonOptions } from './report/json.js';
export {
  toSarif,
  renderSarif,
  SARIF_LEVEL,
  SECURITY_SEVERITY,
  type SarifOptions,
  type SarifLog,
} from './report/sarif.js';
export { toText, type TextOptions } from './report/text.js';
export {
  loadConfig,
  parseConfig,
  configToScanOptions,
  CONFIG_FILE_NAMES,
  type BulwarkConfig,
  type LoadedConfig,
  type LoadConfigOptions,
} from './config/config.js';
export { ExitCode, scanExitCode, DEFAULT_FAIL_ON } from './cli/exit-codes.js';

// Provenance — Sigstore keyless signing and offline verification (src/provenance/sigstore)
export {
  createSigstoreSigner,
  createSigstoreVerifier,
  publicGoodTrustedRoot,
  loadTrustedRootFile,
  PUBLIC_GOOD_FULCIO_URL,
  PUBLIC_GOOD_REKOR_URL,
  PUBLIC_GOOD_TSA_URL,
  type SigstoreSignOptions,
  type SigstoreVerifyOptions,
} from './provenance/sigstore/index.js';

// Provenance — local append-only transparency log (src/provenance/tlog)
export {
  initLog,
  openLog,
  recordEvent,
  canonicalEvent,
  canonicalJson,
  TransparencyLog,
  EVENT_TYPES,
  type LogEvent,
  type AppendResult,
  type CheckpointResult,
  type InclusionProofDoc,
  type ConsistencyProofDoc,
  type VerifyReport,
  type VerifyOptions,
  type OpenOptions as OpenLogOptions,
} from './provenance/tlog/log.js';
export {
  leafHash as merkleLeafHash,
  nodeHash as merkleNodeHash,
  rootFromLeafHashes,
  verifyInclusion,
  verifyConsistency,
  verifySubtreeInclusion,
  verifySubtreeConsistency,
  MemoryTree,
  ProofError,
  EMPTY_ROOT as MERKLE_EMPTY_ROOT,
} from './provenance/tlog/merkle.js';
export {
  signNote,
  openNote,
  openCheckpoint,
  parseCheckpoint,
  formatCheckpoint,
  generateNoteKey,
  parseVerifierKey,
  parseSignerKey,
  type Checkpoint,
  type NoteVerifier,
  type OpenedNote,
} from './provenance/tlog/note.js';

// Provenance — OpenSSF Model Signing: key / certificate signing and verification, verify-on-load (src/provenance)
export {
  createKeySigner,
  createKeyVerifier,
  createCertificateSigner,
  createCertificateVerifier,
  createVerifier,
  verifierForBundle,
  signingMethodOf,
  certificateUsage,
  parseCertificates,
  type CertificateSignerOptions,
  type CertificateVerifierOptions,
  type TrustOptions,
  type EnvelopeSigner,
  type EnvelopeVerifier,
  type VerifiedEnvelope,
  type SignerIdentity,
  type SigningMethod,
} from './provenance/signing/index.js';
export {
  signModel,
  bundleToJson,
  type SignModelOptions,
  type SignedModel,
} from './provenance/oms/sign-model.js';
export {
  verifyModel,
  verifyModelStatement,
  verifySignedStatement,
  isModelSignaturePredicate,
  type VerifyModelOptions,
  type ModelVerification,
  type VerifiedStatement,
} from './provenance/oms/verify-model.js';
export { manifestToStatement, statementPayload, type OmsPredicate } from './provenance/oms/statement.js';
export { parseBundle } from './provenance/bundle.js';
export {
  verifyBeforeLoad,
  defaultSignaturePath,
  type VerifyBeforeLoadOptions,
  type LoadVerification,
  type LoadPolicy,
} from './provenance/verify-on-load.js';
export {
  verificationFindings,
  ruleForReason,
  PROV_UNSIGNED,
  PROV_FILES_MISMATCH,
  PROV_BAD_SIGNATURE,
  PROV_MALFORMED,
} from './provenance/rules.js';
// Attestations and lineage (`bulwark attest`): scan / BOM / SLSA training-run statements about a model's OMS root.
export {
  attest,
  buildScanStatement,
  buildBomStatement,
  buildTrainingStatement,
  buildTrainingProvenance,
  loadTrainingRunSpec,
  validateTrainingRunSpec,
  modelSubjects,
  checkAttestation,
  verifyAttestationBundle,
  verifyLineage,
  attestationFindings,
  peekStatement,
  SCAN_PREDICATE_V1,
  CYCLONEDX_PREDICATE,
  SPDX3_PREDICATE,
  SLSA_PROVENANCE_V1,
  TRAINING_BUILD_TYPE_V1,
  type ScanPredicate,
  type SlsaProvenance,
  type TrainingRunSpec,
  type AttestationCheck,
  type AttestationKind,
  type AttestationVerification,
  type CheckAttestationOptions,
  type LineageLink,
  type LineageResult,
  type LineageLinkResult,
} from './provenance/attest/index.js';

// AI bill of materials (issue 3): CycloneDX 1.6/1.7 ML-BOM and SPDX 3.0.1 AI/Dataset export of a model directory.
export {
  buildCycloneDxBom,
  buildSpdxDocument,
  readModelCardInfo,
  summarizeBom,
  serializeBom,
  validateCycloneDx,
  checkSpdxDocument,
  type CycloneDxOptions,
  type SpdxOptions,
  type BomOptions,
  type BomResult,
  type BomSummary,
  type ModelCardInfo,
  type CdxBom,
  type SpdxDocumentJson,
} from './provenance/bom/index.js';

// OMS model hashing (issue 3): OpenSSF Model Signing manifests and root digests, Python-compatible, on worker threads.
export { hashModel } from './provenance/oms/parallel.js';
export {
  hashModelSerial,
  compareOmsPaths,
  omsRootDigest,
  listModelFiles,
  type ModelFile,
} from './provenance/oms/hash.js';
export {
  OMS_HASH_TYPES,
  DEFAULT_SHARD_SIZE,
  DEFAULT_GIT_IGNORES,
  MAX_RESOURCES,
  type OmsHashType,
  type OmsResource,
  type OmsSerialization,
  type HashOptions,
  type HashProgress,
  type ModelManifest,
} from './provenance/oms/types.js';

// Privacy (issue 5): PII and secret detection with redaction, k-anonymity / ℓ-diversity / t-closeness,
// membership-inference metrics (src/trust/privacy).
export {
  PiiAnalyzer,
  redactText,
  maskPreview,
  knownEntities,
  REDACT_MODES,
  type PiiOptions,
  type PiiMatch,
  type AnalyzeOptions,
  type RedactMode,
} from './trust/privacy/pii.js';
export { RECOGNIZERS, type Recognizer, type EntityKind } from './trust/privacy/recognizers.js';
export { evaluatePii, PRESIDIO_LABEL_MAP, type EvalResult } from './trust/privacy/pii-eval.js';
export {
  scanPiiFile,
  type PiiScanOptions,
  type PiiScanReport,
  type ColumnSummary,
} from './trust/privacy/scan.js';
export {
  kAnonymity,
  parseHierarchy,
  type Hierarchy,
  type QuasiIdentifier,
  type KAnonOptions,
  type KAnonResult,
} from './trust/privacy/kanon.js';
export {
  searchKAnonymity,
  type KAnonSearchOptions,
  type KAnonSearchResult,
  type LatticeNode,
} from './trust/privacy/kanon-search.js';
export {
  membershipMetrics,
  leakageVerdict,
  rocAuc,
  rocCurve,
  type MembershipMetrics,
  type MembershipOptions,
} from './trust/privacy/membership.js';
// Trust: tabular data readers, predictions (column / ONNX) and fairness metrics (bulwark fairness).
export {
  readTable,
  streamRows,
  detectFormat,
  tableFromColumns,
  TABLE_LIMITS,
  type Cell,
  type Table,
  type TableFormat,
  type ReadTableOptions,
} from './trust/data/table.js';
export {
  predictionsFromColumn,
  predictOnnx,
  loadFeatureSpec,
  validateFeatureSpec,
  encodeFeatures,
  featureWidth,
  type Predictions,
  type FeatureSpec,
  type FeatureSpecEntry,
  type OnnxPredictOptions,
} from './trust/predict/index.js';
export {
  assessFairness,
  defaultFavorable,
  knnFeaturesFromSpec,
  knnFeaturesFromColumns,
  generalizedEntropyIndex,
  theilIndex,
  consistency,
  FAIRNESS_SCHEMA,
  type FairnessInput,
  type FairnessResult,
  type GroupResult,
  type GroupRates,
  type Aggregates,
  type KnnFeatures,
} from './trust/fairness/index.js';
export { fairnessFindings, DEFAULT_THRESHOLDS, type FairnessThresholds } from './trust/fairness/findings.js';
export { fairnessCheck, type FairnessCheckOptions } from './trust/fairness/check.js';
export { FAIRNESS_REPORT_SCHEMA, renderFairnessText, type FairnessReport } from './trust/fairness/report.js';
// Governance: framework catalogs (ATLAS, OWASP ML/LLM, NIST AI RMF, NIST AI 600-1, EU AI Act, ISO/IEC 42001),
// crosswalks, rule → control mappings and coverage, ATLAS import.
export {
  allCatalogs,
  getCatalog,
  findEntry,
  validateReferences,
  frameworkKey,
  compareVersions as compareCatalogVersions,
  FRAMEWORKS,
  CATALOG_DIR_ENV,
  ATLAS,
  OWASP_ML,
  OWASP_LLM,
  NIST_AI_RMF,
  NIST_AI_600_1,
  ISO_42001,
  type Framework,
  type CatalogOptions,
  type ReferenceProblem,
} from './governance/catalogs/index.js';
export type { Catalog, CatalogEntry } from './governance/catalogs/types.js';
export { EU_AI_ACT } from './governance/catalogs/eu-ai-act.js';
export {
  CROSSWALKS,
  RELATIONSHIPS,
  crosswalksFor,
  expandControls,
  inverseRelationship,
  type Crosswalk,
  type ControlRef,
  type Relationship,
  type ExpandedControl,
  type ExpandOptions,
} from './governance/catalogs/crosswalks.js';
export {
  importAtlasFile,
  parseAtlasYaml,
  diffCatalogs,
  AtlasValidationError,
  MAX_ATLAS_BYTES,
  type AtlasImportResult,
  type AtlasImportOptions,
  type AtlasRepair,
  type CatalogDiff,
} from './governance/catalogs/import-atlas.js';
export {
  controlsForRule,
  coverageFor,
  familyDefaults,
  FAMILY_DEFAULTS,
  NON_THREAT_FAMILIES,
  type Coverage,
  type CoveredControl,
  type CoverageOptions,
} from './governance/mappings.js';

// Governance and audit: evidence documents, the audit pipeline, EU AI Act risk classification, CEL policy gates,
// model cards and system cards.
export { audit, type AuditOptions, type AuditResult } from './audit/audit.js';
export { evidenceStatement, EVIDENCE_PREDICATE_TYPE } from './audit/attestation.js';
export {
  EVIDENCE_SCHEMA_VERSION,
  finalizeEvidence,
  type EvidenceDocument,
  type EvidenceCheck,
  type EvidenceFinding,
  type EvidenceSummary,
  type Measurement,
  type Pillar,
  type CheckStatus,
  type RiskClassification,
  type EuRiskTier,
} from './governance/evidence.js';
export { classifyEuAiAct, resolveAnnexIIIArea } from './governance/risk.js';
export { compileExpr, CelCompileError, CEL_LIMITS, POLICY_VARIABLES } from './governance/policy/cel.js';
export {
  loadPolicy,
  loadWaivers,
  parsePolicyFile,
  BUILTIN_PACKS,
  type Policy,
  type PolicyRule,
  type Waiver,
  type Controls,
} from './governance/policy/load.js';
export {
  evaluateGate,
  gateText,
  type GateResult,
  type RuleResult,
  type RuleStatus,
} from './governance/policy/gate.js';
export { readSystemCard, validateSystemCard, type SystemCard } from './core/system-card.js';
export { buildModelCard, type ModelCard, type BuildCardOptions } from './trust/card/model-card.js';
export {
  parseHfCard,
  renderHfReadme,
  type HfCard,
  type ModelIndexResult as HfModelIndexResult,
} from './trust/card/hf-card.js';
export { renderCardHtml, renderCardMarkdown, renderHfReadmeFromCard } from './trust/card/render.js';
export {
  loadEvidence,
  classifyEvidence,
  type EvidenceItem,
  type EvidenceKind,
} from './trust/card/evidence.js';
export { VerificationError, type VerificationFailure } from './core/errors.js';

// Audit reports (bulwark report): HTML, Markdown, JSON, SARIF and OSCAL renderings of an evidence document.
export {
  renderReport,
  writeReportFile,
  formatForFile,
  auditCoverage,
  REPORT_FORMATS,
  OSCAL_VERSION,
  type RenderOptions,
  type ReportFormat,
  type FrameworkCoverage,
  type ControlCoverage,
  type CoverageSource,
} from './report/audit/index.js';
// Adversarial pillar: production drift monitoring (`bulwark monitor`)
export {
  monitorDrift,
  driftFindings,
  driftMetrics,
  driftDetected,
  expandInferenceLog,
  parseWindow,
  parseTimestamp,
  DRIFT_SCHEMA_VERSION,
  type MonitorOptions,
  type DriftResult,
  type WindowResult,
} from './adversarial/monitor/monitor.js';
export {
  STAT_TESTS,
  STAT_TEST_NAMES,
  defaultStatTest,
  inferKind,
  prepareColumn,
  testColumn,
  datasetDrift,
  type StatTestName,
  type ColumnKind,
  type ColumnDrift,
  type DatasetDrift,
  type PreparedColumn,
} from './adversarial/monitor/engine.js';
export {
  ksTwoSample,
  chiSquare,
  chiSquareCounts,
  zTestProportions,
  wasserstein1,
  wassersteinNormed,
  jensenShannonDistance,
  psi,
  sturgesEdges,
  histogramSorted,
  type KsResult,
} from './adversarial/monitor/stats.js';
export { renderDriftText, renderDriftHtml } from './adversarial/monitor/report.js';
export {
  DRIFT_DATASET,
  DRIFT_FEATURE,
  DRIFT_PREDICTION,
  DRIFT_INCONCLUSIVE,
} from './adversarial/monitor/rules.js';

// LLM red teaming (`bulwark llm-test`): targets, probes, converters, detectors, runner, vulnerable assistant.
export {
  OpenAiTarget,
  HttpJsonTarget,
  FunctionTarget,
  HttpPool,
  TargetError,
  BudgetError as LlmBudgetError,
  fillTemplate as fillLlmRequestTemplate,
  parseTemplate as parseLlmRequestTemplate,
  type HttpOptions as LlmHttpOptions,
  type OpenAiTargetOptions,
  type HttpJsonTargetOptions,
} from './adversarial/llm/targets.js';
export {
  PROBES as LLM_PROBES,
  PROBE_TOOLS as LLM_PROBE_TOOLS,
  selectProbes as selectLlmProbes,
} from './adversarial/llm/probes/index.js';
export {
  CONVERTERS as LLM_CONVERTERS,
  getConverter as getLlmConverter,
  selectConverters as selectLlmConverters,
  type Converter as LlmConverter,
} from './adversarial/llm/converters.js';
export {
  DETECTORS as LLM_DETECTORS,
  decide as decideLlmAttempt,
  isRefusal,
  findExfilLinks,
  type Detector as LlmDetector,
  type LlmJudge,
  type JudgeVerdict,
  type Transcript as LlmTranscript,
  type Budgets as LlmBudgets,
} from './adversarial/llm/detectors.js';
export { HttpLlmJudge } from './adversarial/llm/judge.js';
export {
  runLlmTest,
  probeContext as llmProbeContext,
  LLM_TEST_KIND,
  LLM_TEST_SCHEMA_VERSION,
  type RunOptions as LlmRunOptions,
  type LlmTestResult,
  type ProbeResult as LlmProbeResult,
  type FamilyResult as LlmFamilyResult,
} from './adversarial/llm/runner.js';
export { llmTestText } from './adversarial/llm/report.js';
export {
  startVulnerableAssistant,
  assistantReply,
  parseWeaknesses,
  WEAKNESSES as VULNERABLE_ASSISTANT_WEAKNESSES,
  type Weakness as VulnerableAssistantWeakness,
  type VulnerableAssistant,
  type VulnerableAssistantOptions,
} from './adversarial/llm/vulnerable-assistant.js';
export { LLM_RULE_OF_FAMILY } from './adversarial/llm/rules.js';
export type {
  LlmTarget,
  TargetRequest as LlmTargetRequest,
  TargetResponse as LlmTargetResponse,
  ChatMessage as LlmChatMessage,
  Probe as LlmProbe,
  ProbeFamily as LlmProbeFamily,
  DetectorId as LlmDetectorId,
} from './adversarial/llm/types.js';
// Adversarial pillar: runtime guard (bulwark guard) — proxy, policy, scanners, audit log, metrics, query detectors.
export {
  GuardServer,
  startGuard,
  loadPolicy as loadGuardPolicy,
  parsePolicy as parseGuardPolicy,
  hashKey as hashGuardKey,
  AuditLog as GuardAuditLog,
  GuardMetrics,
  ClientLimiter as GuardClientLimiter,
  TokenBucket as GuardTokenBucket,
  QueryPatternDetector,
  DEFAULT_DETECTOR_OPTIONS,
  shapiroWilk,
  buildScanners as buildGuardScanners,
  runScanners as runGuardScanners,
  applyRedactions as applyGuardRedactions,
  PromptInjectionScanner,
  INJECTION_PATTERNS,
  SimilarityScanner,
  KNOWN_ATTACKS,
  InvisibleTextScanner,
  decodeTagCharacters,
  BannedContentScanner,
  regexSafetyProblem,
  TokenLimitScanner,
  estimateTokens,
  PiiScanner as GuardPiiScanner,
  CanaryScanner,
  MarkdownExfilScanner,
  JsonValidityScanner,
  GUARD_RULES,
  type GuardPolicy,
  type ClientPolicy as GuardClientPolicy,
  type GuardServerOptions,
  type AuditRecord as GuardAuditRecord,
  type AuditScan as GuardAuditScan,
  type Decision as GuardDecision,
  type QueryVerdict,
  type DetectorOptions as QueryDetectorOptions,
  type ShapiroWilkResult,
  type ScanMode as GuardScanMode,
  type ScanHit as GuardScanHit,
  type TextScanner as GuardTextScanner,
} from './adversarial/guard/index.js';

// Adversarial pillar: data-poisoning detection (bulwark poison)
export {
  activationClustering,
  analysePoison,
  bimodality,
  classOutliers,
  datasetFromTable,
  detectPoison,
  duplicateConflicts,
  knnDisagreement,
  knnIndices,
  poisonDetected,
  poisonToJson,
  renderPoisonText,
  spectralSignatures,
  suspectsCsv,
  POISON_CHECKS,
  POISON_DEFAULTS,
  POISON_SCHEMA_VERSION,
  type ClusteringResult as PoisonClusteringResult,
  type DatasetSpec as PoisonDatasetSpec,
  type DetectorSummary as PoisonDetectorSummary,
  type DetectPoisonOptions,
  type DuplicateResult as PoisonDuplicateResult,
  type KnnResult as PoisonKnnResult,
  type OutlierResult as PoisonOutlierResult,
  type PoisonCheck,
  type PoisonDataset,
  type PoisonOptions,
  type PoisonResult,
  type SpectralResult as PoisonSpectralResult,
  type Suspect as PoisonSuspect,
} from './adversarial/poison/index.js';

// Adversarial pillar: model extraction and membership-inference attacks (`bulwark extraction`, `bulwark membership-attack`)
export {
  trainLogistic,
  trainMlp,
  trainClassifier,
  solveLinear,
  LogisticModel,
  MlpModel,
  type Classifier as AttackClassifier,
  type ModelKind as AttackModelKind,
  type TrainOptions as AttackTrainOptions,
} from './adversarial/ml/models.js';
export { classifierTarget, type ClassifierTargetOptions } from './adversarial/ml/target.js';
export { gaussianBlobs, type BlobOptions } from './adversarial/ml/data.js';
export {
  runExtraction,
  equationSolvingExtraction,
  openOnnxScoresTarget,
  extractionReport,
  formatExtractionText,
  labelsOnly,
  Oracle as QueryOracle,
  EXT_SURROGATE,
  EXT_EQUATION,
  EXTRACTION_REPORT_VERSION,
  DEFAULT_BUDGETS as DEFAULT_EXTRACTION_BUDGETS,
  type ExtractionOptions,
  type ExtractionPoint,
  type ExtractionResult,
  type EquationSolvingOptions,
  type EquationSolvingResult,
  type ExtractionReport,
  type OnnxScoresTargetOptions,
} from './adversarial/extraction/index.js';
export {
  runMembershipAttack,
  attackFeatures,
  membershipAttackReport,
  formatMembershipAttackText,
  INF_SHADOW,
  INF_THRESHOLD,
  MEMBERSHIP_ATTACK_REPORT_VERSION,
  type LabelledSet,
  type MembershipAttackOptions,
  type MembershipAttackResult,
  type ShadowAttackResult,
  type AttackMetrics as MembershipAttackMetrics,
  type MembershipAttackReport,
} from './adversarial/inference/index.js';

// Adversarial pillar: evasion attacks and robustness evaluation (`bulwark robustness`)
export {
  buildRobustnessResult,
  checkAttack,
  epsString,
  evaluateRobustness,
  evaluationKey,
  fgsm,
  hopSkipJump,
  pgd,
  readRobustnessData,
  renderRobustnessText,
  restrictAccess,
  robustBenchRecords,
  simba,
  square,
  squarePercentage,
  targetAccess,
  ROBUST_ACCURACY_LOW,
  ROBUSTNESS_INCONCLUSIVE,
  TINY_PERTURBATION,
  type Attack,
  type AttackInput,
  type AttackMetrics,
  type AttackOutput,
  type HopSkipJumpOptions,
  type Norm,
  type PgdOptions,
  type QueryBudget,
  type ReadRobustnessDataOptions,
  type RobustBenchRecord,
  type RobustnessData,
  type RobustnessEvaluation,
  type RobustnessOptions,
  type RobustnessResult,
  type SimbaOptions,
  type SquareOptions,
} from './adversarial/robustness/index.js';
// Adversarial pillar: model targets (ONNX via onnxruntime, differentiable ONNX via TensorFlow.js, HTTP, function)
export {
  capabilityProblems as targetCapabilityProblems,
  createFunctionTarget,
  createHttpTarget,
  createOnnxTarget,
  DifferentiableOnnxTarget,
  HttpTarget,
  importOnnxGraph,
  loadOnnxTarget,
  loadOnnxTargetFromBytes,
  OnnxTarget,
  readOnnxGraph,
  SUPPORTED_OPS as DIFFERENTIABLE_ONNX_OPS,
  type FunctionTargetOptions,
  type HttpTargetConfig,
  type ImportedGraph as ImportedOnnxGraph,
  type LoadedOnnxTarget,
  type LoadOnnxTargetOptions,
  type OnnxGraph,
  type OnnxGraphLimits,
  type OnnxTargetOptions,
  type OutputKind as OnnxOutputKind,
} from './adversarial/robustness/targets/index.js';

// Adversarial model targets: the one interface every attack runs against.
export { inputSize, type ModelTarget, type Batch, type Capability } from './adversarial/robustness/target.js';
