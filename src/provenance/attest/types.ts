/**
 * Attestation predicate types and schemas: scan results (Bulwark's own predicate), BOMs (CycloneDX / SPDX) and SLSA
 * Provenance v1 for training runs. Documented in docs/attestations.md.
 */

/** Bulwark's scan-result predicate. */
export const SCAN_PREDICATE_V1 = 'https://bulwark.dev/attestation/scan/v1';
/** CycloneDX BOM predicate (in-toto vetted predicate). */
export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';
/** SPDX 3 document predicate (in-toto vetted predicate). */
export const SPDX3_PREDICATE = 'https://spdx.dev/Document/v3';
/** SLSA Provenance v1. */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** Bulwark's SLSA buildType for ML training / fine-tuning runs. */
export const TRAINING_BUILD_TYPE_V1 = 'https://bulwark.dev/buildtypes/training/v1';

/** Roles of `resolvedDependencies` entries in a training-run provenance (`annotations.role`). */
export const DEPENDENCY_ROLES = [
  'base-model',
  'training-data',
  'evaluation-data',
  'source-code',
  'container-image',
  'other',
] as const;
export type DependencyRole = (typeof DEPENDENCY_ROLES)[number];

/** How a `sha256` digest of a dependency was computed (`annotations.digestKind`). */
export type DigestKind = 'file' | 'oms-root';

/** in-toto ResourceDescriptor v1. At least one of `uri`, `digest`, `content` is set. */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  /** base64 */
  content?: string;
  downloadLocation?: string;
  mediaType?: string;
  annotations?: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// Scan predicate
// ---------------------------------------------------------------------------------------------------------------

export type ScanVerdict = 'clean' | 'suspicious' | 'malicious' | 'inconclusive';

export interface ScanPredicateFinding {
  ruleId: string;
  severity: string;
  /** Members inside containers, outermost first; byte offset when known. The file is the enclosing entry. */
  location: { inner?: string[]; offset?: number };
  /** Bounded (512 characters); never the finding's evidence. */
  message: string;
}

export interface ScanPredicateFile {
  /** POSIX path relative to the model root (`.` for a single-file model). */
  path: string;
  /** The file's digest when the model was hashed file by file (OMS files mode, sha256). */
  digest?: Record<string, string>;
  size: number;
  verdict: ScanVerdict;
  formats: string[];
  skipped?: string;
  findings: ScanPredicateFinding[];
  /** Set when findings were left out to bound the size: how many. */
  findingsOmitted?: number;
}

/** Predicate of `https://bulwark.dev/attestation/scan/v1`. */
export interface ScanPredicate {
  scanner: {
    name: string;
    version: string;
    /** Identifies the rule set: `sha256:` of the sorted rule ids and severities. */
    ruleSet: { version: string; rules: number };
  };
  /** RFC 3339 time the scan started. */
  scannedOn: string;
  durationMs: number;
  /** Worst verdict over all files. */
  verdict: ScanVerdict;
  summary: {
    files: number;
    clean: number;
    suspicious: number;
    malicious: number;
    inconclusive: number;
    skipped: number;
    /** Finding counts per severity. */
    findings: Record<string, number>;
  };
  files: ScanPredicateFile[];
  /** Set when files or findings were left out to bound the size. */
  truncated?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// SLSA Provenance v1
// ---------------------------------------------------------------------------------------------------------------

export interface SlsaBuilder {
  id: string;
  version?: Record<string, string>;
  builderDependencies?: ResourceDescriptor[];
}

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies?: ResourceDescriptor[];
  };
  runDetails: {
    builder: SlsaBuilder;
    metadata?: { invocationId?: string; startedOn?: string; finishedOn?: string };
    byproducts?: ResourceDescriptor[];
  };
}

/** `externalParameters` of the training buildType. */
export interface TrainingExternalParameters {
  /** What was run, e.g. `train.py` or `python -m trainer.finetune`. */
  entryPoint: string;
  /** Hyperparameters and configuration, as given (JSON). */
  parameters?: Record<string, unknown>;
  /** Training framework task, e.g. `fine-tune`, `pretrain`, `distill`. */
  task?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Training-run spec (CLI input)
// ---------------------------------------------------------------------------------------------------------------

export interface TrainingInputSpec {
  name: string;
  /** Local file or directory, relative to the spec file: hashed (sha256 of a file, OMS root of a directory). */
  path?: string;
  /** A precomputed digest when there is no local copy: `sha256:<hex>` or a DigestSet map. */
  digest?: string | Record<string, string>;
  uri?: string;
}

export interface TrainingDatasetSpec extends TrainingInputSpec {
  role?: 'training-data' | 'evaluation-data';
}

/** The `--run` file of `bulwark attest training` (YAML or JSON). Documented in docs/attestations.md. */
export interface TrainingRunSpec {
  builder: { id: string; version?: Record<string, string> };
  entryPoint: string;
  task?: string;
  parameters?: Record<string, unknown>;
  environment?: Record<string, unknown>;
  baseModel?: TrainingInputSpec;
  datasets: TrainingDatasetSpec[];
  code?: { uri: string; commit: string; path?: string };
  container?: { image: string; digest: string };
  invocationId?: string;
  startedOn?: string;
  finishedOn?: string;
}
