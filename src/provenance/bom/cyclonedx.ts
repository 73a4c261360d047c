/**
 * CycloneDX 1.6 / 1.7 ML-BOM of a model directory. The model is `metadata.component` (type
 * `machine-learning-model`): its files are nested `file` components with SHA-256 hashes, the OMS root digest is the
 * property `bulwark:oms:rootDigest`, the model card becomes `modelCard`, base models `pedigree.ancestors`, datasets
 * top-level `data` components referenced from the model card, declared Python/npm dependencies `library` components,
 * and the signature bundle and scan report external references. Every value carries where it came from
 * (`bulwark:source` = declared | computed | supplied | inferred).
 */
import { createHash, randomUUID } from 'node:crypto';
import { SPDX } from '@cyclonedx/cyclonedx-library';
import type { ModelCardInfo } from './card.js';
import type { DeclaredDependency } from './deps.js';
import { huggingfacePurl } from './deps.js';
import { collectModelFacts, pathToIriRef, type BomOptions, type ModelFacts } from './facts.js';
import type {
  CdxBom,
  CdxComponent,
  CdxDependency,
  CdxExternalReference,
  CdxLicenseChoice,
  CdxModelCard,
  CdxPerformanceMetric,
  CdxProperty,
  CdxSpecVersion,
} from './types.js';
import type { ModelManifest } from '../oms/types.js';

export interface CycloneDxOptions extends BomOptions {
  /** Default 1.6. */
  specVersion?: CdxSpecVersion;
}

export interface BomResult<D> {
  document: D;
  /** Problems met while reading the repository; also recorded in the document. */
  warnings: string[];
  manifest: ModelManifest;
  card: ModelCardInfo;
}

/** Model reference within the BOM. */
export const MODEL_REF = 'model';

/** Input/output modality of common Hugging Face pipeline tags. */
const PIPELINE_IO: Record<string, [string, string]> = {
  'text-classification': ['text', 'label'],
  'token-classification': ['text', 'labels per token'],
  'zero-shot-classification': ['text', 'label'],
  'question-answering': ['text', 'text span'],
  'table-question-answering': ['table', 'text'],
  'fill-mask': ['text', 'text'],
  'text-generation': ['text', 'text'],
  'text2text-generation': ['text', 'text'],
  summarization: ['text', 'text'],
  translation: ['text', 'text'],
  'sentence-similarity': ['text', 'similarity score'],
  'feature-extraction': ['text', 'embedding vector'],
  'image-classification': ['image', 'label'],
  'object-detection': ['image', 'bounding boxes and labels'],
  'image-segmentation': ['image', 'segmentation mask'],
  'image-to-text': ['image', 'text'],
  'image-text-to-text': ['image and text', 'text'],
  'text-to-image': ['text', 'image'],
  'image-to-image': ['image', 'image'],
  'automatic-speech-recognition': ['audio', 'text'],
  'audio-classification': ['audio', 'label'],
  'text-to-speech': ['text', 'audio'],
  'text-to-audio': ['text', 'audio'],
  'tabular-classification': ['table', 'label'],
  'tabular-regression': ['table', 'number'],
  'zero-shot-image-classification': ['image and text', 'label'],
  'visual-question-answering': ['image and text', 'text'],
  'video-classification': ['video', 'label'],
};

export function pipelineIo(tag: string | undefined): [string, string] | undefined {
  return tag ? PIPELINE_IO[tag] : undefined;
}

const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(\/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$/;

/** A Hugging Face repository id (`name` or `org/name`) that is safe to put into a hub URL. */
export function isHfId(id: string): boolean {
  return HF_ID.test(id) && !id.includes('..');
}

export interface DatasetRef {
  id: string;
  training: boolean;
  evaluation: boolean;
  url?: string;
}

/** Training datasets (card `datasets:`) then evaluation datasets (model-index), deduplicated by id. */
export function collectDatasets(card: ModelCardInfo): DatasetRef[] {
  const out: DatasetRef[] = [];
  const get = (id: string): DatasetRef => {
    let d = out.find((x) => x.id === id);
    if (!d) {
      d = {
        id,
        training: false,
        evaluation: false,
        ...(isHfId(id) ? { url: `https://huggingface.co/datasets/${id}` } : {}),
      };
      out.push(d);
    }
    return d;
  };
  for (const id of card.datasets) get(id).training = true;
  for (const r of card.results) {
    const id = r.datasetType ?? r.datasetName;
    if (id) get(id).evaluation = true;
  }
  return out;
}

/** A string usable as an `iri-reference` (no spaces, controls or characters RFC 3987 excludes), else undefined. */
export function safeIri(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || t.length > 2048) return undefined;
  if (/[\s\u0000-\u001f\u007f<>"{}|\\^`]/.test(t)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(t) && !/^(https?|urn|mailto):/i.test(t)) return undefined;
  return t;
}

export function licenseChoices(card: ModelCardInfo): CdxLicenseChoice[] {
  const lic = card.license;
  if (!lic) return [];
  const url = safeIri(card.licenseLink);
  if (lic.toLowerCase() === 'other') {
    return [{ license: { name: card.licenseName ?? 'other', ...(url ? { url } : {}) } }];
  }
  const id = SPDX.fixupSpdxId(lic);
  if (id && SPDX.isSupportedSpdxId(id)) return [{ license: { id, ...(url ? { url } : {}) } }];
  return [{ license: { name: lic, ...(url ? { url } : {}) } }];
}

function prop(name: string, value: string | undefined): CdxProperty[] {
  return value === undefined || value === '' ? [] : [{ name, value }];
}

function metricSlice(r: ModelCardInfo['results'][number]): string | undefined {
  const ds = r.datasetName ?? r.datasetType;
  const extra = [
    r.datasetConfig ? `config ${r.datasetConfig}` : undefined,
    r.datasetSplit ? `split ${r.datasetSplit}` : undefined,
  ].filter(Boolean);
  if (!ds && extra.length === 0) return undefined;
  return `${ds ?? 'dataset'}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export function performanceMetrics(card: ModelCardInfo): CdxPerformanceMetric[] {
  const out: CdxPerformanceMetric[] = [];
  for (const r of card.results)
    for (const m of r.metrics) {
      const slice = metricSlice(r);
      out.push({ type: m.type ?? m.name ?? 'metric', value: m.value, ...(slice ? { slice } : {}) });
    }
  return out;
}

function datasetBomRef(id: string): string {
  return `dataset:${id}`;
}

function modelCard(facts: ModelFacts, datasets: DatasetRef[]): CdxModelCard | undefined {
  const c = facts.card;
  const io = pipelineIo(c.pipelineTag);
  const params: NonNullable<CdxModelCard['modelParameters']> = {
    ...(facts.approach ? { approach: { type: facts.approach } } : {}),
    ...(c.pipelineTag ? { task: c.pipelineTag } : {}),
    ...(c.modelType ? { architectureFamily: c.modelType } : {}),
    ...(c.architectures.length ? { modelArchitecture: c.architectures.join(', ') } : {}),
    ...(datasets.length ? { datasets: datasets.map((d) => ({ ref: datasetBomRef(d.id) })) } : {}),
    ...(io ? { inputs: [{ format: io[0] }], outputs: [{ format: io[1] }] } : {}),
  };
  const metrics = performanceMetrics(c);
  const k = c.considerations;
  const considerations: NonNullable<CdxModelCard['considerations']> = {
    ...(k.useCases.length ? { useCases: k.useCases } : {}),
    ...(k.technicalLimitations.length ? { technicalLimitations: k.technicalLimitations } : {}),
    ...(k.ethical.length ? { ethicalConsiderations: k.ethical } : {}),
  };
  const properties: CdxProperty[] = [
    ...prop('bulwark:hf:library_name', c.libraryName),
    ...prop('bulwark:hf:language', c.languages.join(', ')),
    ...prop('bulwark:hf:tags', c.tags.join(', ')),
    ...prop('bulwark:hf:metrics', c.metrics.join(', ')),
    ...Object.entries(c.hyperparameters).map(([key, value]) => ({ name: `bulwark:config:${key}`, value })),
    ...prop('bulwark:tokenizer:class', c.tokenizer?.class),
    ...prop('bulwark:tokenizer:model_max_length', c.tokenizer?.modelMaxLength?.toString()),
    ...(c.tokenizer?.chatTemplate ? prop('bulwark:tokenizer:chat_template', 'present') : []),
  ];
  const empty =
    Object.keys(params).length === 0 &&
    metrics.length === 0 &&
    Object.keys(considerations).length === 0 &&
    properties.length === 0;
  if (empty) return undefined;
  return {
    'bom-ref': 'model-card',
    ...(Object.keys(params).length ? { modelParameters: params } : {}),
    ...(metrics.length ? { quantitativeAnalysis: { performanceMetrics: metrics } } : {}),
    ...(Object.keys(considerations).length ? { considerations } : {}),
    properties: [
      { name: 'bulwark:source', value: 'declared' },
      ...prop('bulwark:source:files', c.sources.join(', ')),
      ...properties,
    ],
  };
}

function fileComponents(manifest: ModelManifest): CdxComponent[] {
  return manifest.resources.map((r) => ({
    type: 'file',
    'bom-ref': `file:${r.name}`,
    name: r.name,
    hashes: [{ alg: 'SHA-256', content: r.digest }],
    properties: [{ name: 'bulwark:source', value: 'computed' }],
  }));
}

function ancestors(card: ModelCardInfo): CdxComponent[] {
  return card.baseModels.map((id) => {
    const repo = /^[^/\s]+\/[^/\s]+$/.test(id);
    const url = isHfId(id) ? `https://huggingface.co/${id}` : undefined;
    const purl = repo ? huggingfacePurl(id) : undefined;
    return {
      type: 'machine-learning-model',
      'bom-ref': `base-model:${id}`,
      ...(repo ? { group: id.split('/')[0], name: id.split('/')[1] } : { name: id }),
      ...(purl ? { purl } : {}),
      ...(url ? { externalReferences: [{ type: 'distribution', url }] } : {}),
      properties: [
        { name: 'bulwark:source', value: 'declared' },
        ...prop('bulwark:hf:base_model_relation', card.baseModelRelation),
      ],
    } satisfies CdxComponent;
  });
}

function libraryComponent(d: DeclaredDependency): CdxComponent {
  const scoped = d.ecosystem === 'npm' ? /^(@[^/]+)\/(.+)$/.exec(d.name) : null;
  return {
    type: 'library',
    'bom-ref': d.purl,
    ...(scoped
      ? { group: scoped[1], name: scoped[2] }
      : { name: d.ecosystem === 'pypi' ? d.normalizedName : d.name }),
    ...(d.version ? { version: d.version } : {}),
    scope: 'required',
    purl: d.purl,
    properties: [
      { name: 'bulwark:source', value: 'declared' },
      { name: 'bulwark:dependency:declaredIn', value: d.declaredIn },
      ...prop('bulwark:dependency:specifier', d.specifier),
      ...prop('bulwark:dependency:extras', d.extras?.join(',')),
      ...prop('bulwark:dependency:marker', d.marker),
      ...prop('bulwark:dependency:url', d.url),
    ],
  };
}

function dataComponent(d: DatasetRef): CdxComponent {
  const usage = [d.training ? 'training' : undefined, d.evaluation ? 'evaluation' : undefined].filter(
    (x): x is string => x !== undefined,
  );
  return {
    type: 'data',
    'bom-ref': datasetBomRef(d.id),
    name: d.id,
    data: [
      {
        type: 'dataset',
        name: d.id,
        ...(d.url ? { contents: { url: d.url } } : {}),
        description: `${usage.join(' and ')} dataset declared in the model card`,
      },
    ],
    ...(d.url ? { externalReferences: [{ type: 'distribution', url: d.url }] } : {}),
    properties: [
      { name: 'bulwark:source', value: 'declared' },
      ...usage.map((u) => ({ name: 'bulwark:dataset:usage', value: u })),
    ],
  };
}

function externalReferences(facts: ModelFacts): CdxExternalReference[] {
  const out: CdxExternalReference[] = [];
  const repo = facts.identity.repoId;
  if (repo) {
    out.push({ type: 'distribution', url: `https://huggingface.co/${repo}` });
    out.push({ type: 'model-card', url: `https://huggingface.co/${repo}/blob/main/README.md` });
  }
  const lic = safeIri(facts.card.licenseLink);
  if (lic) out.push({ type: 'license', url: lic });
  if (facts.signature) {
    const s = facts.signature;
    out.push({
      type: 'digital-signature',
      url: s.isUrl ? s.ref : pathToIriRef(s.ref),
      comment: 'OpenSSF Model Signing (OMS) signature bundle (Sigstore bundle with a DSSE in-toto statement)',
      ...(s.sha256 ? { hashes: [{ alg: 'SHA-256', content: s.sha256 }] } : {}),
    });
  }
  if (facts.scanReport) {
    const s = facts.scanReport;
    out.push({
      type: 'static-analysis-report',
      url: s.isUrl ? s.ref : pathToIriRef(s.ref),
      comment: 'model file scan report',
      ...(s.sha256 ? { hashes: [{ alg: 'SHA-256', content: s.sha256 }] } : {}),
    });
  }
  return out;
}

function modelComponent(facts: ModelFacts, datasets: DatasetRef[]): CdxComponent {
  const { identity: id, manifest, card } = facts;
  const licenses = licenseChoices(card);
  const card_ = modelCard(facts, datasets);
  const anc = ancestors(card);
  const refs = externalReferences(facts);
  const files = fileComponents(manifest);
  const single = facts.singleFile && manifest.resources.length === 1;
  return {
    type: 'machine-learning-model',
    'bom-ref': MODEL_REF,
    ...(id.group ? { group: id.group } : {}),
    name: id.name,
    ...(id.version ? { version: id.version } : {}),
    ...(card.description ? { description: card.description } : {}),
    // Component-level hashes describe the component's own bytes: only a single-file model has them.
    ...(single ? { hashes: [{ alg: 'SHA-256', content: manifest.resources[0].digest }] } : {}),
    ...(licenses.length ? { licenses } : {}),
    ...(id.purl ? { purl: id.purl } : {}),
    ...(anc.length ? { pedigree: { ancestors: anc } } : {}),
    ...(refs.length ? { externalReferences: refs } : {}),
    ...(!single && files.length ? { components: files } : {}),
    ...(card_ ? { modelCard: card_ } : {}),
    properties: [
      { name: 'bulwark:oms:rootDigest', value: manifest.rootDigest },
      { name: 'bulwark:oms:hashType', value: 'sha256' },
      { name: 'bulwark:oms:method', value: 'files' },
      { name: 'bulwark:oms:fileCount', value: String(manifest.resources.length) },
      { name: 'bulwark:oms:bytes', value: String(manifest.bytes) },
      ...prop('bulwark:oms:ignorePaths', manifest.serialization.ignore_paths.join(', ')),
      { name: 'bulwark:source:name', value: id.nameSource },
      ...(id.version ? [{ name: 'bulwark:source:version', value: 'supplied' }] : []),
      { name: 'bulwark:source:hashes', value: 'computed' },
      ...(licenses.length ? [{ name: 'bulwark:source:licenses', value: 'declared' }] : []),
      ...prop('bulwark:hf:base_model_relation', card.baseModelRelation),
      ...(facts.signature?.subjectMatches !== undefined
        ? [
            {
              name: 'bulwark:signature:subjectMatchesRootDigest',
              value: String(facts.signature.subjectMatches),
            },
          ]
        : []),
    ],
  };
}

/** RFC 4122 version-5 UUID (SHA-1, namespace + name). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Namespace of Bulwark's content-derived document ids. */
export const BULWARK_UUID_NAMESPACE = '9d4f7a3e-5b1c-5e2a-8f60-0b3c1d2e4f50';

/** Builds the CycloneDX document from already collected facts. */
export function cycloneDxFromFacts(facts: ModelFacts, specVersion: CdxSpecVersion = '1.6'): CdxBom {
  const datasets = collectDatasets(facts.card);
  const model = modelComponent(facts, datasets);
  const libs = facts.card.dependencies.map(libraryComponent);
  const data = datasets.map(dataComponent);
  const dependencies: CdxDependency[] = [
    { ref: MODEL_REF, dependsOn: libs.map((l) => l['bom-ref']!) },
    ...libs.map((l) => ({ ref: l['bom-ref']!, dependsOn: [] })),
    ...data.map((d) => ({ ref: d['bom-ref']!, dependsOn: [] })),
  ];
  const bom: CdxBom = {
    $schema: `http://cyclonedx.org/schema/bom-${specVersion}.schema.json`,
    bomFormat: 'CycloneDX',
    specVersion,
    serialNumber: '',
    version: 1,
    metadata: {
      timestamp: facts.created,
      tools: {
        components: [
          {
            type: 'application',
            name: 'bulwark',
            version: facts.toolVersion,
            description: 'Bulwark MLSecOps toolkit (bulwark bom)',
          },
        ],
      },
      component: model,
    },
    ...(libs.length || data.length ? { components: [...data, ...libs] } : {}),
    dependencies,
    ...(facts.warnings.length
      ? { properties: facts.warnings.map((w) => ({ name: 'bulwark:warning', value: w })) }
      : {}),
  };
  const serial = facts.reproducible
    ? uuidV5(BULWARK_UUID_NAMESPACE, createHash('sha256').update(JSON.stringify(bom)).digest('hex'))
    : randomUUID();
  bom.serialNumber = `urn:uuid:${serial}`;
  return bom;
}

/**
 * Hashes the model (files mode, SHA-256), reads its repository metadata and returns a CycloneDX ML-BOM. Throws
 * BulwarkError when the model cannot be read or an option is invalid; metadata problems are warnings.
 */
export async function buildCycloneDxBom(
  modelPath: string,
  opts: CycloneDxOptions = {},
): Promise<BomResult<CdxBom>> {
  const facts = await collectModelFacts(modelPath, opts);
  const document = cycloneDxFromFacts(facts, opts.specVersion ?? '1.6');
  return { document, warnings: facts.warnings, manifest: facts.manifest, card: facts.card };
}

/** Stable JSON text of a BOM (two-space indent, trailing newline). */
export function serializeBom(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
