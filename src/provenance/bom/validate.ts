/**
 * Validation of the documents `bulwark bom` writes.
 *
 * - CycloneDX: the JSON schema validator of `@cyclonedx/cyclonedx-library` (`Validation.JsonStrictValidator`). It
 *   needs the optional packages ajv, ajv-formats and ajv-formats-draft2019, which Bulwark does not depend on at run
 *   time; `validateCycloneDx` reports `available: false` when they cannot be loaded.
 * - SPDX 3.0.1: no JSON schema ships offline, so `checkSpdxDocument` is a structural check of what this module
 *   emits and what the AI/Dataset profiles require: known types, unique IRI ids, required properties per class,
 *   vocabulary values, every reference resolving inside the graph (or to an SPDX individual), and exactly one
 *   declared and one concluded license relationship per AI package.
 */
import type { CdxSpecVersion } from './types.js';

export interface CdxValidation {
  /** False when the validator's optional dependencies (ajv, …) cannot be loaded. */
  available: boolean;
  /** True when the document is valid; undefined when the validator is unavailable. */
  valid?: boolean;
  /** ajv error objects (schema path, message) when invalid. */
  errors?: unknown[];
  /** Why the validator is unavailable. */
  reason?: string;
}

export async function validateCycloneDx(doc: unknown, version: CdxSpecVersion): Promise<CdxValidation> {
  const text = typeof doc === 'string' ? doc : JSON.stringify(doc);
  let Validation;
  try {
    ({ Validation } = await import('@cyclonedx/cyclonedx-library'));
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
  try {
    const result = await new Validation.JsonStrictValidator(version as never).validate(text);
    if (result === null) return { available: true, valid: true };
    return { available: true, valid: false, errors: Array.isArray(result) ? result : [result] };
  } catch (err) {
    const e = err as Error;
    if (e instanceof Validation.MissingOptionalDependencyError || /ajv/i.test(e.message))
      return { available: false, reason: e.message };
    throw err;
  }
}

/** SPDX 3.0.1 `RelationshipType` vocabulary. */
export const SPDX_RELATIONSHIP_TYPES = new Set([
  'affects',
  'amendedBy',
  'ancestorOf',
  'availableFrom',
  'configures',
  'contains',
  'coordinatedBy',
  'copiedTo',
  'delegatedTo',
  'dependsOn',
  'descendantOf',
  'describes',
  'doesNotAffect',
  'expandsTo',
  'exploitCreatedBy',
  'fixedBy',
  'fixedIn',
  'foundBy',
  'generates',
  'hasAddedFile',
  'hasAssessmentFor',
  'hasAssociatedVulnerability',
  'hasConcludedLicense',
  'hasDataFile',
  'hasDeclaredLicense',
  'hasDeletedFile',
  'hasDependencyManifest',
  'hasDistributionArtifact',
  'hasDocumentation',
  'hasDynamicLink',
  'hasEvidence',
  'hasExample',
  'hasHost',
  'hasInput',
  'hasMetadata',
  'hasOptionalComponent',
  'hasOptionalDependency',
  'hasOutput',
  'hasPrerequisite',
  'hasProvidedDependency',
  'hasRequirement',
  'hasSpecification',
  'hasStaticLink',
  'hasTest',
  'hasTestCase',
  'hasVariant',
  'invokedBy',
  'modifiedBy',
  'other',
  'packagedBy',
  'patchedBy',
  'publishedBy',
  'reportedBy',
  'republishedBy',
  'serializedInArtifact',
  'testedOn',
  'trainedOn',
  'underInvestigationFor',
  'usesTool',
]);

/** SPDX 3.0.1 `SoftwarePurpose` vocabulary. */
export const SPDX_SOFTWARE_PURPOSES = new Set([
  'application',
  'archive',
  'bom',
  'configuration',
  'container',
  'data',
  'device',
  'deviceDriver',
  'diskImage',
  'documentation',
  'evidence',
  'executable',
  'file',
  'filesystemImage',
  'firmware',
  'framework',
  'install',
  'library',
  'manifest',
  'model',
  'module',
  'operatingSystem',
  'other',
  'patch',
  'platform',
  'requirement',
  'source',
  'specification',
  'test',
]);

/** SPDX 3.0.1 `HashAlgorithm` vocabulary. */
export const SPDX_HASH_ALGORITHMS = new Set([
  'adler32',
  'blake2b256',
  'blake2b384',
  'blake2b512',
  'blake3',
  'crystalsDilithium',
  'crystalsKyber',
  'falcon',
  'md2',
  'md4',
  'md5',
  'md6',
  'other',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha3_224',
  'sha3_256',
  'sha3_384',
  'sha3_512',
  'sha512',
]);

/** SPDX 3.0.1 `DatasetType` vocabulary. */
export const SPDX_DATASET_TYPES = new Set([
  'audio',
  'categorical',
  'graph',
  'image',
  'noAssertion',
  'numeric',
  'other',
  'sensor',
  'structured',
  'syntactic',
  'text',
  'timeseries',
  'timestamp',
  'video',
]);

/** SPDX 3.0.1 `ExternalRefType` values this module may write. */
export const SPDX_EXTERNAL_REF_TYPES = new Set([
  'altDownloadLocation',
  'altWebPage',
  'binaryArtifact',
  'buildMeta',
  'buildSystem',
  'certificationReport',
  'componentAnalysisReport',
  'documentation',
  'dynamicAnalysisReport',
  'license',
  'other',
  'qualityAssessmentReport',
  'riskAssessment',
  'runtimeAnalysisReport',
  'secureSoftwareAttestation',
  'securityOther',
  'staticAnalysisReport',
  'support',
  'vcs',
]);

/** Element types this module writes (JSON-LD compact names of the 3.0.1 context). */
export const SPDX_ELEMENT_TYPES = new Set([
  'SpdxDocument',
  'Relationship',
  'LifecycleScopedRelationship',
  'Tool',
  'SoftwareAgent',
  'Organization',
  'Person',
  'ai_AIPackage',
  'dataset_DatasetPackage',
  'software_Package',
  'software_File',
  'simplelicensing_LicenseExpression',
]);

/** Named individuals a reference may point to instead of an element of the graph. */
export const SPDX_INDIVIDUALS = new Set([
  'https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement',
  'https://spdx.org/rdf/3.0.1/terms/Core/NoneElement',
  'https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense',
  'https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoneLicense',
]);

const DATE_TIME_STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;

/** Structural check of an SPDX 3.0.1 JSON-LD document; returns the problems found (empty when none). */
export function checkSpdxDocument(doc: unknown): string[] {
  const problems: string[] = [];
  const p = (m: string): void => void problems.push(m);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return ['the document is not a JSON object'];
  const d = doc as Record<string, unknown>;
  if (d['@context'] !== 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld')
    p('@context is not https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
  const graph = d['@graph'];
  if (!Array.isArray(graph)) return [...problems, '@graph is not an array'];

  const ids = new Map<string, Record<string, unknown>>();
  const creationInfos = new Set<string>();
  for (const [i, n] of graph.entries()) {
    if (typeof n !== 'object' || n === null) {
      p(`@graph[${i}] is not an object`);
      continue;
    }
    const node = n as Record<string, unknown>;
    if (node.type === 'CreationInfo') {
      if (typeof node['@id'] !== 'string' || !node['@id'].startsWith('_:'))
        p(`CreationInfo @graph[${i}] has no blank-node @id`);
      else creationInfos.add(node['@id']);
      continue;
    }
    if (typeof node.type !== 'string' || !SPDX_ELEMENT_TYPES.has(node.type)) {
      p(`@graph[${i}] has unknown type ${JSON.stringify(node.type)}`);
      continue;
    }
    const id = node.spdxId;
    if (typeof id !== 'string' || !ABSOLUTE_IRI.test(id) || id.startsWith('_:')) {
      p(`${node.type} @graph[${i}] spdxId ${JSON.stringify(id)} is not an absolute IRI`);
      continue;
    }
    if (ids.has(id)) p(`spdxId ${id} is used twice`);
    ids.set(id, node);
  }
  if (creationInfos.size === 0) p('there is no CreationInfo');

  const resolves = (v: unknown): boolean => typeof v === 'string' && (ids.has(v) || SPDX_INDIVIDUALS.has(v));
  const refList = (node: Record<string, unknown>, key: string, min: number, max = Infinity): void => {
    const v = node[key];
    const where = `${node.type} ${String(node.spdxId ?? node['@id'])}`;
    if (!Array.isArray(v)) {
      if (min > 0 || v !== undefined) p(`${where}: ${key} is not a list`);
      return;
    }
    if (v.length < min || v.length > max) p(`${where}: ${key} has ${v.length} entries`);
    for (const r of v) if (!resolves(r)) p(`${where}: ${key} → ${JSON.stringify(r)} is not in the graph`);
  };
  const need = (
    node: Record<string, unknown>,
    key: string,
    test: (v: unknown) => boolean,
    what: string,
  ): void => {
    if (!test(node[key])) p(`${node.type} ${String(node.spdxId)}: ${key} is missing or not ${what}`);
  };
  const isStr = (v: unknown): boolean => typeof v === 'string' && v !== '';
  const inSet = (s: Set<string>) => (v: unknown) => typeof v === 'string' && s.has(v);
  const hashes = (node: Record<string, unknown>, min: number): void => {
    const v = node.verifiedUsing;
    if (!Array.isArray(v) || v.length < min) {
      if (min > 0 || v !== undefined) p(`${node.type} ${String(node.spdxId)}: verifiedUsing has no hash`);
      return;
    }
    for (const h of v as Record<string, unknown>[]) {
      if (h?.type !== 'Hash') p(`${node.type} ${String(node.spdxId)}: verifiedUsing entry is not a Hash`);
      else if (!SPDX_HASH_ALGORITHMS.has(String(h.algorithm)))
        p(`${node.type} ${String(node.spdxId)}: hash algorithm ${JSON.stringify(h.algorithm)} is unknown`);
      else if (typeof h.hashValue !== 'string' || !/^[0-9a-f]+$/.test(h.hashValue))
        p(`${node.type} ${String(node.spdxId)}: hashValue is not lower-case hex`);
      else if (h.algorithm === 'sha256' && h.hashValue.length !== 64)
        p(`${node.type} ${String(node.spdxId)}: sha256 hashValue is not 64 hex digits`);
    }
  };
  const dictionary = (node: Record<string, unknown>, key: string): void => {
    const v = node[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || v.some((e) => e?.type !== 'DictionaryEntry' || typeof e.key !== 'string'))
      p(`${node.type} ${String(node.spdxId)}: ${key} is not a list of DictionaryEntry`);
  };

  let documents = 0;
  const declared = new Map<string, number>();
  const concluded = new Map<string, number>();
  for (const n of graph) {
    if (typeof n !== 'object' || n === null) continue;
    const node = n as Record<string, unknown>;
    if (node.type === 'CreationInfo') {
      need(node, 'specVersion', (v) => v === '3.0.1', '"3.0.1"');
      need(node, 'created', (v) => typeof v === 'string' && DATE_TIME_STAMP.test(v), 'a UTC dateTimeStamp');
      refList(node, 'createdBy', 1);
      refList(node, 'createdUsing', 0);
      continue;
    }
    if (!SPDX_ELEMENT_TYPES.has(String(node.type)) || typeof node.spdxId !== 'string') continue;
    need(node, 'creationInfo', (v) => typeof v === 'string' && creationInfos.has(v), 'a CreationInfo id');
    switch (node.type) {
      case 'Relationship':
      case 'LifecycleScopedRelationship':
        need(node, 'from', resolves, 'an element of the graph');
        need(node, 'relationshipType', inSet(SPDX_RELATIONSHIP_TYPES), 'a RelationshipType');
        refList(node, 'to', 1);
        if (node.relationshipType === 'hasDeclaredLicense' && typeof node.from === 'string')
          declared.set(node.from, (declared.get(node.from) ?? 0) + 1);
        if (node.relationshipType === 'hasConcludedLicense' && typeof node.from === 'string')
          concluded.set(node.from, (concluded.get(node.from) ?? 0) + 1);
        break;
      case 'ai_AIPackage':
        need(node, 'name', isStr, 'a string');
        need(node, 'suppliedBy', resolves, 'an Agent of the graph');
        need(node, 'releaseTime', (v) => typeof v === 'string' && DATE_TIME_STAMP.test(v), 'a dateTimeStamp');
        need(node, 'software_downloadLocation', isStr, 'a string');
        need(node, 'software_packageVersion', isStr, 'a string');
        need(node, 'software_primaryPurpose', inSet(SPDX_SOFTWARE_PURPOSES), 'a SoftwarePurpose');
        if (
          node.ai_typeOfModel !== undefined &&
          (!Array.isArray(node.ai_typeOfModel) || !node.ai_typeOfModel.every(isStr))
        )
          p(`ai_AIPackage ${node.spdxId}: ai_typeOfModel is not a list of strings`);
        if (node.ai_domain !== undefined && (!Array.isArray(node.ai_domain) || !node.ai_domain.every(isStr)))
          p(`ai_AIPackage ${node.spdxId}: ai_domain is not a list of strings`);
        dictionary(node, 'ai_metric');
        dictionary(node, 'ai_hyperparameter');
        hashes(node, 0);
        break;
      case 'dataset_DatasetPackage':
        need(node, 'name', isStr, 'a string');
        need(node, 'software_downloadLocation', isStr, 'a string');
        need(node, 'software_primaryPurpose', inSet(SPDX_SOFTWARE_PURPOSES), 'a SoftwarePurpose');
        if (
          !Array.isArray(node.dataset_datasetType) ||
          node.dataset_datasetType.length === 0 ||
          !node.dataset_datasetType.every((t) => SPDX_DATASET_TYPES.has(String(t)))
        )
          p(`dataset_DatasetPackage ${node.spdxId}: dataset_datasetType must list at least one DatasetType`);
        refList(node, 'originatedBy', 1, 1);
        break;
      case 'software_File':
        need(node, 'name', isStr, 'a string');
        hashes(node, 1);
        break;
      case 'software_Package':
        need(node, 'name', isStr, 'a string');
        if (node.software_primaryPurpose !== undefined)
          need(node, 'software_primaryPurpose', inSet(SPDX_SOFTWARE_PURPOSES), 'a SoftwarePurpose');
        break;
      case 'Tool':
      case 'SoftwareAgent':
      case 'Organization':
      case 'Person':
        need(node, 'name', isStr, 'a string');
        break;
      case 'simplelicensing_LicenseExpression':
        need(node, 'simplelicensing_licenseExpression', isStr, 'a string');
        break;
      case 'SpdxDocument':
        documents++;
        refList(node, 'rootElement', 1);
        refList(node, 'element', 1);
        if (node.dataLicense !== undefined) need(node, 'dataLicense', resolves, 'an element of the graph');
        break;
    }
    if (Array.isArray(node.externalRef))
      for (const r of node.externalRef as Record<string, unknown>[])
        if (r?.type !== 'ExternalRef' || !SPDX_EXTERNAL_REF_TYPES.has(String(r.externalRefType)))
          p(
            `${String(node.type)} ${node.spdxId}: externalRef ${JSON.stringify(r?.externalRefType)} is not valid`,
          );
  }
  if (documents !== 1) p(`there are ${documents} SpdxDocument elements; expected 1`);
  for (const [id, node] of ids)
    if (node.type === 'ai_AIPackage') {
      if (declared.get(id) !== 1) p(`ai_AIPackage ${id} needs exactly one hasDeclaredLicense relationship`);
      if (concluded.get(id) !== 1) p(`ai_AIPackage ${id} needs exactly one hasConcludedLicense relationship`);
    }
  return problems;
}
