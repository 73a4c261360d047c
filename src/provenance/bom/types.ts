/**
 * Typed subset of CycloneDX 1.6/1.7 JSON that `bulwark bom` emits and reads (field names and enums as in
 * `bom-1.6.schema.json` / `bom-1.7.schema.json`; identical for everything used here). The CycloneDX JS library has
 * no model-card or component-data classes, so the BOM is built as plain JSON against these interfaces.
 */

export type CdxSpecVersion = '1.6' | '1.7';
export const CDX_SPEC_VERSIONS: readonly CdxSpecVersion[] = ['1.6', '1.7'];

export type CdxComponentType =
  | 'application'
  | 'framework'
  | 'library'
  | 'container'
  | 'platform'
  | 'operating-system'
  | 'device'
  | 'device-driver'
  | 'firmware'
  | 'file'
  | 'machine-learning-model'
  | 'data'
  | 'cryptographic-asset';

export type CdxHashAlg =
  | 'MD5'
  | 'SHA-1'
  | 'SHA-256'
  | 'SHA-384'
  | 'SHA-512'
  | 'SHA3-256'
  | 'SHA3-384'
  | 'SHA3-512'
  | 'BLAKE2b-256'
  | 'BLAKE2b-384'
  | 'BLAKE2b-512'
  | 'BLAKE3';

export interface CdxHash {
  alg: CdxHashAlg;
  content: string;
}

export interface CdxProperty {
  name: string;
  value?: string;
}

/** `externalReference.type` values this module writes (a subset of the schema's enum). */
export type CdxExternalReferenceType =
  | 'distribution'
  | 'model-card'
  | 'digital-signature'
  | 'static-analysis-report'
  | 'license'
  | 'website'
  | 'evidence'
  | 'other';

export interface CdxExternalReference {
  type: CdxExternalReferenceType;
  url: string;
  comment?: string;
  hashes?: CdxHash[];
}

export type CdxLicenseChoice =
  { license: { id: string; url?: string } } | { license: { name: string; url?: string } };

export interface CdxOrganizationalEntity {
  name?: string;
  url?: string[];
}

/** `componentData` (additionalProperties: false; `type` required). */
export interface CdxComponentData {
  'bom-ref'?: string;
  type: 'source-code' | 'configuration' | 'dataset' | 'definition' | 'other';
  name?: string;
  contents?: { url?: string; properties?: CdxProperty[] };
  classification?: string;
  sensitiveData?: string[];
  description?: string;
}

export type CdxApproachType =
  'supervised' | 'unsupervised' | 'reinforcement-learning' | 'semi-supervised' | 'self-supervised';
export const CDX_APPROACH_TYPES: readonly CdxApproachType[] = [
  'supervised',
  'unsupervised',
  'reinforcement-learning',
  'semi-supervised',
  'self-supervised',
];

export interface CdxPerformanceMetric {
  type?: string;
  value?: string;
  slice?: string;
  confidenceInterval?: { lowerBound?: string; upperBound?: string };
}

export interface CdxModelCard {
  'bom-ref'?: string;
  modelParameters?: {
    approach?: { type?: CdxApproachType };
    task?: string;
    architectureFamily?: string;
    modelArchitecture?: string;
    datasets?: (CdxComponentData | { ref: string })[];
    inputs?: { format?: string }[];
    outputs?: { format?: string }[];
  };
  quantitativeAnalysis?: {
    performanceMetrics?: CdxPerformanceMetric[];
  };
  considerations?: {
    users?: string[];
    useCases?: string[];
    technicalLimitations?: string[];
    performanceTradeoffs?: string[];
    ethicalConsiderations?: { name?: string; mitigationStrategy?: string }[];
    fairnessAssessments?: {
      groupAtRisk?: string;
      benefits?: string;
      harms?: string;
      mitigationStrategy?: string;
    }[];
  };
  properties?: CdxProperty[];
}

export interface CdxComponent {
  type: CdxComponentType;
  'bom-ref'?: string;
  supplier?: CdxOrganizationalEntity;
  publisher?: string;
  group?: string;
  name: string;
  version?: string;
  description?: string;
  scope?: 'required' | 'optional' | 'excluded';
  hashes?: CdxHash[];
  licenses?: CdxLicenseChoice[];
  purl?: string;
  pedigree?: { ancestors?: CdxComponent[] };
  externalReferences?: CdxExternalReference[];
  components?: CdxComponent[];
  modelCard?: CdxModelCard;
  data?: CdxComponentData[];
  properties?: CdxProperty[];
}

export interface CdxDependency {
  ref: string;
  dependsOn?: string[];
}

export interface CdxBom {
  $schema?: string;
  bomFormat: 'CycloneDX';
  specVersion: CdxSpecVersion;
  serialNumber?: string;
  version: number;
  metadata?: {
    timestamp?: string;
    tools?: { components?: CdxComponent[] };
    component?: CdxComponent;
    properties?: CdxProperty[];
  };
  components?: CdxComponent[];
  externalReferences?: CdxExternalReference[];
  dependencies?: CdxDependency[];
  properties?: CdxProperty[];
}

/** Where a value in the BOM came from (Google k8s-aibom style evidence tagging), written as `bulwark:source`. */
export type EvidenceSource =
  /** Read from a file the repository ships (model card, config.json, requirements.txt, …). */
  | 'declared'
  /** Computed by Bulwark from the bytes (hashes, OMS root digest). */
  | 'computed'
  /** Given by the caller (command-line option or API argument). */
  | 'supplied'
  /** A default Bulwark chose (e.g. the directory name as the model name). */
  | 'inferred';
