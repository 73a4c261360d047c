/**
 * SPDX 3.0.1 JSON-LD export (AI and Dataset profiles) of the same facts the CycloneDX BOM holds: an `ai_AIPackage`
 * for the model, a `software_File` per file with its SHA-256, a `dataset_DatasetPackage` per declared dataset, the
 * base models as `software_Package`s, declared dependencies as `software_Package`s with package URLs, and
 * relationships (`contains`, `trainedOn`, `testedOn`, `descendantOf`, `dependsOn`, `hasDeclaredLicense`,
 * `hasConcludedLicense`), wrapped in an `SpdxDocument`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SPDX } from '@cyclonedx/cyclonedx-library';
import type { ModelCardInfo } from './card.js';
import {
  BULWARK_UUID_NAMESPACE,
  collectDatasets,
  isHfId,
  performanceMetrics,
  pipelineIo,
  safeIri,
  uuidV5,
  type BomResult,
} from './cyclonedx.js';
import { collectModelFacts, pathToIriRef, type BomOptions, type ModelFacts } from './facts.js';

export const SPDX_CONTEXT = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';
export const SPDX_SPEC_VERSION = '3.0.1';
export const NO_ASSERTION_ELEMENT = 'https://spdx.org/rdf/3.0.1/terms/Core/NoAssertionElement';
export const NO_ASSERTION_LICENSE = 'https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense';
/** Written where SPDX requires a value the repository does not give (package version, download location). */
export const NOASSERTION = 'NOASSERTION';

/** One node of the `@graph`. Property names as the 3.0.1 JSON-LD context spells them. */
export type SpdxNode = Record<string, unknown> & { type: string };

export interface SpdxDocumentJson {
  '@context': typeof SPDX_CONTEXT;
  '@graph': SpdxNode[];
}

export interface SpdxOptions extends BomOptions {
  /** IRI prefix of element ids (default `urn:uuid:<document uuid>#`). */
  namespace?: string;
}

/** Hugging Face pipeline tag → AI domain. */
function domainOf(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  if (/image|object-detection|video|depth|mask|keypoint/.test(tag)) return 'computer vision';
  if (/audio|speech/.test(tag)) return 'audio';
  if (/tabular/.test(tag)) return 'tabular data';
  if (/reinforcement|robotics/.test(tag)) return 'reinforcement learning';
  return 'natural language processing';
}

/** Dataset type (SPDX DatasetType vocabulary) from the modality the model's pipeline consumes. */
function datasetTypeOf(tag: string | undefined): string {
  const input = pipelineIo(tag)?.[0];
  if (!input) return 'noAssertion';
  if (input.startsWith('image')) return 'image';
  if (input === 'text') return 'text';
  if (input === 'audio') return 'audio';
  if (input === 'video') return 'video';
  if (input === 'table') return 'structured';
  return 'other';
}

function licenseExpression(card: ModelCardInfo): { expression: string; customUri?: string } | undefined {
  const lic = card.license;
  if (!lic) return undefined;
  const id = lic.toLowerCase() === 'other' ? undefined : SPDX.fixupSpdxId(lic);
  if (id && SPDX.isSupportedSpdxId(id)) return { expression: id };
  const ref = `LicenseRef-${
    (lic.toLowerCase() === 'other' ? (card.licenseName ?? 'other') : lic)
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'unknown'
  }`;
  const uri = safeIri(card.licenseLink);
  return { expression: ref, ...(uri && /^https?:/i.test(uri) ? { customUri: uri } : {}) };
}

export function spdxFromFacts(facts: ModelFacts, opts: { namespace?: string } = {}): SpdxDocumentJson {
  const { identity: id, manifest, card } = facts;
  const contentKey = createHash('sha256')
    .update(
      JSON.stringify({
        root: manifest.rootDigest,
        created: facts.created,
        id,
        sig: facts.signature,
        scan: facts.scanReport,
        tool: facts.toolVersion,
      }),
    )
    .digest('hex');
  const docUuid = facts.reproducible ? uuidV5(BULWARK_UUID_NAMESPACE, `spdx:${contentKey}`) : randomUUID();
  const ns = opts.namespace ?? `urn:uuid:${docUuid}#`;
  const iri = (local: string): string => `${ns}${local}`;
  const ci = '_:creationinfo';
  const graph: SpdxNode[] = [];
  const elements: string[] = [];
  const add = (node: SpdxNode): string => {
    graph.push(node);
    if (typeof node.spdxId === 'string' && node.type !== 'SpdxDocument') elements.push(node.spdxId);
    return node.spdxId as string;
  };
  let relN = 0;
  const rel = (from: string, type: string, to: string[], comment?: string): void => {
    if (to.length === 0) return;
    add({
      type: 'Relationship',
      spdxId: iri(`relationship-${++relN}`),
      creationInfo: ci,
      from,
      relationshipType: type,
      to,
      ...(comment ? { comment } : {}),
    });
  };

  const agentId = iri('agent-bulwark');
  const toolId = iri('tool-bulwark');
  graph.push({
    type: 'CreationInfo',
    '@id': ci,
    specVersion: SPDX_SPEC_VERSION,
    created: facts.created,
    createdBy: [agentId],
    createdUsing: [toolId],
  });
  add({ type: 'SoftwareAgent', spdxId: agentId, creationInfo: ci, name: 'bulwark' });
  add({ type: 'Tool', spdxId: toolId, creationInfo: ci, name: `bulwark ${facts.toolVersion}` });

  let supplier: string = NO_ASSERTION_ELEMENT;
  if (id.group) {
    supplier = add({
      type: 'Organization',
      spdxId: iri(`organization-${encodeURIComponent(id.group)}`),
      creationInfo: ci,
      name: id.group,
    });
  }

  const c = card;
  const k = c.considerations;
  const metrics = performanceMetrics(c);
  const typeOfModel = [...(c.modelType ? [c.modelType] : []), ...c.architectures];
  const domain = domainOf(c.pipelineTag);
  const extRefs: SpdxNode[] = [];
  if (facts.signature)
    extRefs.push({
      type: 'ExternalRef',
      externalRefType: 'other',
      locator: [facts.signature.isUrl ? facts.signature.ref : pathToIriRef(facts.signature.ref)],
      comment: `OpenSSF Model Signing (OMS) signature bundle${
        facts.signature.sha256 ? `; sha256 ${facts.signature.sha256}` : ''
      }`,
    });
  if (facts.scanReport)
    extRefs.push({
      type: 'ExternalRef',
      externalRefType: 'staticAnalysisReport',
      locator: [facts.scanReport.isUrl ? facts.scanReport.ref : pathToIriRef(facts.scanReport.ref)],
      comment: `model file scan report${facts.scanReport.sha256 ? `; sha256 ${facts.scanReport.sha256}` : ''}`,
    });
  const modelId = add({
    type: 'ai_AIPackage',
    spdxId: iri('model'),
    creationInfo: ci,
    name: id.repoId ?? id.name,
    ...(c.description ? { description: c.description } : {}),
    suppliedBy: supplier,
    releaseTime: facts.created,
    software_downloadLocation: id.repoId ? `https://huggingface.co/${id.repoId}` : NOASSERTION,
    software_packageVersion: id.version ?? NOASSERTION,
    software_primaryPurpose: 'model',
    ...(id.purl ? { software_packageUrl: id.purl } : {}),
    verifiedUsing: [
      {
        type: 'Hash',
        algorithm: 'other',
        hashValue: manifest.rootDigest,
        comment:
          'OpenSSF Model Signing (OMS) root digest: SHA-256 over the SHA-256 digests of every file, in OMS order (files mode)',
      },
      ...(facts.singleFile && manifest.resources.length === 1
        ? [{ type: 'Hash', algorithm: 'sha256', hashValue: manifest.resources[0].digest }]
        : []),
    ],
    ...(typeOfModel.length ? { ai_typeOfModel: typeOfModel } : {}),
    ...(domain ? { ai_domain: [domain] } : {}),
    ...(k.technicalLimitations.length ? { ai_limitation: k.technicalLimitations.join('\n\n') } : {}),
    ...(k.useCases.length ? { ai_informationAboutApplication: k.useCases.join('\n\n') } : {}),
    ...(k.training.length ? { ai_informationAboutTraining: k.training.join('\n\n') } : {}),
    ...(metrics.length
      ? {
          ai_metric: metrics.map((m) => ({
            type: 'DictionaryEntry',
            key: m.slice ? `${m.type} [${m.slice}]` : (m.type ?? 'metric'),
            value: m.value,
          })),
        }
      : {}),
    ...(Object.keys(c.hyperparameters).length
      ? {
          ai_hyperparameter: Object.entries(c.hyperparameters).map(([key, value]) => ({
            type: 'DictionaryEntry',
            key,
            value,
          })),
        }
      : {}),
    ...(extRefs.length ? { externalRef: extRefs } : {}),
  });

  // Licenses: the card's declared license; no license is concluded by Bulwark.
  const lic = licenseExpression(c);
  let declared = NO_ASSERTION_LICENSE;
  if (lic) {
    declared = add({
      type: 'simplelicensing_LicenseExpression',
      spdxId: iri('license-declared'),
      creationInfo: ci,
      simplelicensing_licenseExpression: lic.expression,
      ...(lic.customUri
        ? {
            simplelicensing_customIdToUri: [
              { type: 'DictionaryEntry', key: lic.expression, value: lic.customUri },
            ],
          }
        : {}),
    });
  }
  rel(modelId, 'hasDeclaredLicense', [declared]);
  rel(modelId, 'hasConcludedLicense', [NO_ASSERTION_LICENSE]);

  // Files.
  const fileIds: string[] = [];
  manifest.resources.forEach((r, i) => {
    fileIds.push(
      add({
        type: 'software_File',
        spdxId: iri(`file-${i + 1}`),
        creationInfo: ci,
        name: r.name === '.' ? id.name : r.name,
        software_fileKind: 'file',
        verifiedUsing: [{ type: 'Hash', algorithm: 'sha256', hashValue: r.digest }],
      }),
    );
  });
  rel(modelId, 'contains', fileIds);

  // Datasets.
  const training: string[] = [];
  const testing: string[] = [];
  collectDatasets(c).forEach((d, i) => {
    const org = d.id.includes('/') ? d.id.split('/')[0] : undefined;
    let originator: string = NO_ASSERTION_ELEMENT;
    if (org) {
      const orgId = iri(`organization-${encodeURIComponent(org)}`);
      if (!graph.some((n) => n.spdxId === orgId))
        add({ type: 'Organization', spdxId: orgId, creationInfo: ci, name: org });
      originator = orgId;
    }
    const dsId = add({
      type: 'dataset_DatasetPackage',
      spdxId: iri(`dataset-${i + 1}`),
      creationInfo: ci,
      name: d.id,
      originatedBy: [originator],
      software_downloadLocation: d.url ?? NOASSERTION,
      software_primaryPurpose: 'data',
      dataset_datasetType: [datasetTypeOf(c.pipelineTag)],
    });
    if (d.training) training.push(dsId);
    if (d.evaluation) testing.push(dsId);
  });
  rel(modelId, 'trainedOn', training, 'datasets declared in the model card');
  rel(modelId, 'testedOn', testing, 'datasets of the model-index evaluation results');

  // Base models.
  const bases: string[] = [];
  c.baseModels.forEach((b, i) => {
    const url = isHfId(b) ? `https://huggingface.co/${b}` : undefined;
    bases.push(
      add({
        type: 'software_Package',
        spdxId: iri(`base-model-${i + 1}`),
        creationInfo: ci,
        name: b,
        software_primaryPurpose: 'model',
        ...(url ? { software_downloadLocation: url } : {}),
      }),
    );
  });
  rel(
    modelId,
    'descendantOf',
    bases,
    c.baseModelRelation ? `base_model_relation: ${c.baseModelRelation}` : undefined,
  );

  // Declared dependencies.
  const deps: string[] = [];
  c.dependencies.forEach((d, i) => {
    deps.push(
      add({
        type: 'software_Package',
        spdxId: iri(`dependency-${i + 1}`),
        creationInfo: ci,
        name: d.ecosystem === 'pypi' ? d.normalizedName : d.name,
        software_packageUrl: d.purl,
        software_primaryPurpose: 'library',
        ...(d.version ? { software_packageVersion: d.version } : {}),
        comment: `declared in ${d.declaredIn}${d.specifier ? ` as ${d.specifier}` : ''}${
          d.marker ? ` ; ${d.marker}` : ''
        }`,
      }),
    );
  });
  rel(modelId, 'dependsOn', deps, 'dependencies the repository declares');

  const dataLicense = add({
    type: 'simplelicensing_LicenseExpression',
    spdxId: iri('license-data'),
    creationInfo: ci,
    simplelicensing_licenseExpression: 'CC0-1.0',
  });
  graph.push({
    type: 'SpdxDocument',
    spdxId: iri('document'),
    creationInfo: ci,
    name: `AI BOM of ${id.repoId ?? id.name}`,
    profileConformance: ['core', 'software', 'simpleLicensing', 'ai', 'dataset'],
    dataLicense,
    rootElement: [modelId],
    element: elements,
    ...(facts.warnings.length ? { comment: facts.warnings.map((w) => `warning: ${w}`).join('\n') } : {}),
  });
  return { '@context': SPDX_CONTEXT, '@graph': graph };
}

/** Hashes the model and returns an SPDX 3.0.1 JSON-LD document with the AI and Dataset profiles. */
export async function buildSpdxDocument(
  modelPath: string,
  opts: SpdxOptions = {},
): Promise<BomResult<SpdxDocumentJson>> {
  const facts = await collectModelFacts(modelPath, opts);
  const document = spdxFromFacts(facts, { namespace: opts.namespace });
  return { document, warnings: facts.warnings, manifest: facts.manifest, card: facts.card };
}
