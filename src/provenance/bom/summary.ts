/**
 * Reads any CycloneDX 1.6/1.7 JSON BOM (ours or another tool's) and extracts its machine-learning models, their model
 * cards and its datasets: the facts an audit compares against a model directory. Input is untrusted: everything is
 * type-checked, recursion into nested components is bounded, and unknown shapes are skipped rather than trusted.
 */

export interface BomModelSummary {
  bomRef?: string;
  group?: string;
  name: string;
  version?: string;
  purl?: string;
  /** `alg` → content of the component's own hashes. */
  hashes: Record<string, string>;
  /** `bulwark:oms:rootDigest` when the BOM carries it. */
  omsRootDigest?: string;
  /** Nested `file` components with their SHA-256 (Bulwark BOMs). */
  files: { name: string; sha256?: string }[];
  licenses: string[];
  baseModels: string[];
  modelCard?: {
    approach?: string;
    task?: string;
    architectureFamily?: string;
    modelArchitecture?: string;
    /** Dataset names (inline) or refs. */
    datasets: string[];
    metrics: { type?: string; value?: string; slice?: string }[];
    inputs: string[];
    outputs: string[];
    limitations: string[];
  };
}

export interface BomDatasetSummary {
  bomRef?: string;
  name: string;
  urls: string[];
}

export interface BomSummary {
  specVersion?: string;
  serialNumber?: string;
  timestamp?: string;
  tools: string[];
  models: BomModelSummary[];
  datasets: BomDatasetSummary[];
  libraries: { name: string; version?: string; purl?: string }[];
  /** `bulwark:warning` properties. */
  warnings: string[];
}

const MAX_DEPTH = 16;
const MAX_COMPONENTS = 100_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function props(c: Obj): { name?: string; value?: string }[] {
  return arr(c.properties)
    .filter(isObj)
    .map((p) => ({ name: s(p.name), value: s(p.value) }));
}

function hashMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of arr(v))
    if (isObj(h) && s(h.alg) && s(h.content)) out[h.alg as string] = h.content as string;
  return out;
}

function licenseNames(v: unknown): string[] {
  const out: string[] = [];
  for (const l of arr(v)) {
    if (!isObj(l)) continue;
    if (s(l.expression)) out.push(l.expression as string);
    else if (isObj(l.license)) {
      const x = s(l.license.id) ?? s(l.license.name);
      if (x) out.push(x);
    }
  }
  return out;
}

function summarizeModel(c: Obj): BomModelSummary {
  const mc = isObj(c.modelCard) ? c.modelCard : undefined;
  const mp = mc && isObj(mc.modelParameters) ? mc.modelParameters : {};
  const qa = mc && isObj(mc.quantitativeAnalysis) ? mc.quantitativeAnalysis : {};
  const cons = mc && isObj(mc.considerations) ? mc.considerations : {};
  const ped = isObj(c.pedigree) ? c.pedigree : {};
  const files: { name: string; sha256?: string }[] = [];
  for (const f of arr(c.components))
    if (isObj(f) && f.type === 'file' && s(f.name))
      files.push({ name: f.name as string, sha256: hashMap(f.hashes)['SHA-256'] });
  return {
    bomRef: s(c['bom-ref']),
    group: s(c.group),
    name: s(c.name) ?? '',
    version: s(c.version),
    purl: s(c.purl),
    hashes: hashMap(c.hashes),
    omsRootDigest: props(c).find((p) => p.name === 'bulwark:oms:rootDigest')?.value,
    files,
    licenses: licenseNames(c.licenses),
    baseModels: arr(ped.ancestors)
      .filter(isObj)
      .map((a) => [s(a.group), s(a.name)].filter(Boolean).join('/'))
      .filter(Boolean),
    ...(mc
      ? {
          modelCard: {
            approach: isObj(mp.approach) ? s(mp.approach.type) : undefined,
            task: s(mp.task),
            architectureFamily: s(mp.architectureFamily),
            modelArchitecture: s(mp.modelArchitecture),
            datasets: arr(mp.datasets)
              .filter(isObj)
              .map((d) => s(d.ref) ?? s(d.name) ?? '')
              .filter(Boolean),
            metrics: arr(qa.performanceMetrics)
              .filter(isObj)
              .map((m) => ({ type: s(m.type), value: s(m.value), slice: s(m.slice) })),
            inputs: arr(mp.inputs)
              .filter(isObj)
              .map((x) => s(x.format) ?? '')
              .filter(Boolean),
            outputs: arr(mp.outputs)
              .filter(isObj)
              .map((x) => s(x.format) ?? '')
              .filter(Boolean),
            limitations: arr(cons.technicalLimitations).filter((x): x is string => typeof x === 'string'),
          },
        }
      : {}),
  };
}

/** Extracts models, model cards, datasets and libraries from a CycloneDX JSON BOM (object or JSON text). */
export function summarizeBom(input: unknown): BomSummary {
  const bom = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  if (!isObj(bom) || bom.bomFormat !== 'CycloneDX')
    throw new TypeError('not a CycloneDX JSON BOM (bomFormat is not "CycloneDX")');
  const md = isObj(bom.metadata) ? bom.metadata : {};
  const tools: string[] = [];
  const t = md.tools;
  const toolList = Array.isArray(t) ? t : isObj(t) ? arr(t.components) : [];
  for (const x of toolList)
    if (isObj(x) && s(x.name)) tools.push([s(x.name), s(x.version)].filter(Boolean).join(' '));

  const out: BomSummary = {
    specVersion: s(bom.specVersion),
    serialNumber: s(bom.serialNumber),
    timestamp: s(md.timestamp),
    tools,
    models: [],
    datasets: [],
    libraries: [],
    warnings: props(bom)
      .filter((p) => p.name === 'bulwark:warning' && p.value)
      .map((p) => p.value!),
  };
  let seen = 0;
  const visit = (c: unknown, depth: number): void => {
    if (!isObj(c) || depth > MAX_DEPTH || ++seen > MAX_COMPONENTS) return;
    if (c.type === 'machine-learning-model') {
      out.models.push(summarizeModel(c));
      // Inline datasets of the model card are datasets of the BOM too.
      const mc = isObj(c.modelCard) ? c.modelCard : {};
      const mp = isObj(mc.modelParameters) ? mc.modelParameters : {};
      for (const d of arr(mp.datasets))
        if (isObj(d) && d.ref === undefined)
          out.datasets.push({
            bomRef: s(d['bom-ref']),
            name: s(d.name) ?? '',
            urls: isObj(d.contents) && s(d.contents.url) ? [d.contents.url as string] : [],
          });
    } else if (c.type === 'data') {
      const urls: string[] = [];
      for (const d of arr(c.data))
        if (isObj(d) && isObj(d.contents) && s(d.contents.url)) urls.push(d.contents.url as string);
      out.datasets.push({ bomRef: s(c['bom-ref']), name: s(c.name) ?? '', urls });
    } else if (c.type === 'library')
      out.libraries.push({ name: s(c.name) ?? '', version: s(c.version), purl: s(c.purl) });
    // Files of a model are summarised with it; other nested components are walked.
    if (c.type !== 'machine-learning-model') for (const n of arr(c.components)) visit(n, depth + 1);
  };
  if (md.component !== undefined) visit(md.component, 0);
  for (const c of arr(bom.components)) visit(c, 0);
  return out;
}
