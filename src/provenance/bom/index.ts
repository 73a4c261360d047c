/** AI bill of materials: CycloneDX 1.6/1.7 ML-BOM and SPDX 3.0.1 AI/Dataset export of a model directory. */
export {
  buildCycloneDxBom,
  cycloneDxFromFacts,
  serializeBom,
  MODEL_REF,
  type CycloneDxOptions,
  type BomResult,
} from './cyclonedx.js';
export {
  buildSpdxDocument,
  spdxFromFacts,
  SPDX_CONTEXT,
  type SpdxOptions,
  type SpdxDocumentJson,
  type SpdxNode,
} from './spdx.js';
export {
  readModelCardInfo,
  MAX_META_FILE_BYTES,
  type ModelCardInfo,
  type ModelIndexResult,
  type ModelIndexMetric,
} from './card.js';
export { collectModelFacts, normalizeTimestamp, type BomOptions, type ModelFacts } from './facts.js';
export {
  parseRequirementsTxt,
  parsePyprojectDependencies,
  parsePackageJsonDependencies,
  parsePep508,
  type DeclaredDependency,
} from './deps.js';
export { summarizeBom, type BomSummary, type BomModelSummary, type BomDatasetSummary } from './summary.js';
export { validateCycloneDx, checkSpdxDocument, type CdxValidation } from './validate.js';
export type { CdxBom, CdxComponent, CdxModelCard, CdxSpecVersion, EvidenceSource } from './types.js';
