/**
 * What a model repository says about itself: the Hugging Face model card (README.md YAML front matter and a few
 * obvious Markdown sections), config.json / model_index.json, tokenizer_config.json and declared dependencies.
 * Everything here is untrusted input: every file read is bounded, YAML is parsed with the core schema (no custom
 * tags, no merge keys, a bounded alias count), nothing is evaluated, and a malformed file becomes a warning, never
 * an exception.
 */
import { open, lstat } from 'node:fs/promises';
import path from 'node:path';
import {
  parsePackageJsonDependencies,
  parsePyprojectDependencies,
  parseRequirementsTxt,
  type DeclaredDependency,
} from './deps.js';
import {
  MAX_FRONT_MATTER_BYTES,
  markdownSections,
  parseFrontMatterYaml,
  splitFrontMatter,
} from '../../core/front-matter.js';

export { MAX_FRONT_MATTER_BYTES, markdownSections, parseFrontMatterYaml, splitFrontMatter };

/** Largest metadata file read (README.md, config.json, tokenizer_config.json, requirements.txt, …). */
export const MAX_META_FILE_BYTES = 1024 * 1024;
const MAX_LIST = 100;
const MAX_SHORT = 512;
const MAX_SECTION = 4000;

export interface ModelIndexMetric {
  type?: string;
  name?: string;
  /** As written (numbers rendered with `String()`). */
  value: string;
  verified?: boolean;
}

export interface ModelIndexResult {
  taskType?: string;
  taskName?: string;
  datasetType?: string;
  datasetName?: string;
  datasetConfig?: string;
  datasetSplit?: string;
  datasetRevision?: string;
  metrics: ModelIndexMetric[];
}

export interface CardConsiderations {
  useCases: string[];
  technicalLimitations: string[];
  /** `name` is the risk text; `mitigationStrategy` from a following "Recommendations" section. */
  ethical: { name: string; mitigationStrategy?: string }[];
  /** "Training …" sections (SPDX `informationAboutTraining`). */
  training: string[];
}

export interface ModelCardInfo {
  /** Metadata files that were read, relative to the model root. */
  sources: string[];
  /** `model-index[0].name`. */
  modelIndexName?: string;
  /** First paragraph of the card body. */
  description?: string;
  license?: string;
  licenseName?: string;
  licenseLink?: string;
  pipelineTag?: string;
  libraryName?: string;
  tags: string[];
  languages: string[];
  /** `datasets:` of the card (Hugging Face dataset ids; the Hub shows them as training datasets). */
  datasets: string[];
  metrics: string[];
  baseModels: string[];
  /** `adapter` | `merge` | `quantized` | `finetune` (as written). */
  baseModelRelation?: string;
  results: ModelIndexResult[];
  /** config.json `model_type`. */
  modelType?: string;
  /** config.json `architectures` (or model_index.json `_class_name`). */
  architectures: string[];
  /** Selected scalar settings of config.json (`hidden_size`, `num_hidden_layers`, `torch_dtype`, …). */
  hyperparameters: Record<string, string>;
  tokenizer?: { class?: string; modelMaxLength?: number; chatTemplate: boolean };
  considerations: CardConsiderations;
  dependencies: DeclaredDependency[];
  /** Problems met while reading (oversized or malformed files); the rest of the information is still usable. */
  warnings: string[];
}

/** config.json keys copied as hyperparameters when they are scalars. */
const CONFIG_KEYS = [
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'intermediate_size',
  'vocab_size',
  'max_position_embeddings',
  'hidden_act',
  'rope_theta',
  'torch_dtype',
  'problem_type',
  'transformers_version',
  'd_model',
  'n_layer',
  'n_head',
  'n_embd',
  'n_positions',
  'num_labels',
];

export function emptyCardInfo(): ModelCardInfo {
  return {
    sources: [],
    tags: [],
    languages: [],
    datasets: [],
    metrics: [],
    baseModels: [],
    results: [],
    architectures: [],
    hyperparameters: {},
    considerations: { useCases: [], technicalLimitations: [], ethical: [], training: [] },
    dependencies: [],
    warnings: [],
  };
}

/**
 * Reads the metadata of a model directory. A file (single-file model) or a directory without metadata gives an
 * empty result. Never throws for bad content: problems are listed in `warnings`.
 */
export async function readModelCardInfo(dir: string): Promise<ModelCardInfo> {
  const info = emptyCardInfo();
  let st;
  try {
    st = await lstat(dir);
  } catch {
    info.warnings.push(`${dir} does not exist; no model card read`);
    return info;
  }
  if (!st.isDirectory()) return info;

  const readme = (await readMeta(dir, 'README.md', info)) ?? (await readMeta(dir, 'readme.md', info));
  if (readme !== undefined) applyReadme(readme, info);

  const config = await readMeta(dir, 'config.json', info);
  if (config !== undefined) applyConfig(parseJsonObject(config, 'config.json', info), info);
  else {
    const mi = await readMeta(dir, 'model_index.json', info);
    if (mi !== undefined) applyModelIndexJson(parseJsonObject(mi, 'model_index.json', info), info);
  }

  const tok = await readMeta(dir, 'tokenizer_config.json', info);
  if (tok !== undefined) applyTokenizer(parseJsonObject(tok, 'tokenizer_config.json', info), info);

  const req = await readMeta(dir, 'requirements.txt', info);
  if (req !== undefined) addDeps(parseRequirementsTxt(req), info);
  const pyproject = await readMeta(dir, 'pyproject.toml', info);
  if (pyproject !== undefined) addDeps(parsePyprojectDependencies(pyproject), info);
  const pkg = await readMeta(dir, 'package.json', info);
  if (pkg !== undefined) addDeps(parsePackageJsonDependencies(pkg), info);
  return info;
}

function addDeps(r: { dependencies: DeclaredDependency[]; warnings: string[] }, info: ModelCardInfo): void {
  info.warnings.push(...r.warnings);
  for (const d of r.dependencies) {
    const dup = info.dependencies.find(
      (x) => x.ecosystem === d.ecosystem && x.normalizedName === d.normalizedName,
    );
    if (dup) {
      if (dup.declaredIn !== d.declaredIn)
        info.warnings.push(
          `${d.name} is declared in both ${dup.declaredIn} and ${d.declaredIn}; the BOM lists the first`,
        );
      continue;
    }
    info.dependencies.push(d);
  }
}

/** Reads a regular file of at most MAX_META_FILE_BYTES as UTF-8; undefined (with a warning where due) otherwise. */
async function readMeta(dir: string, name: string, info: ModelCardInfo): Promise<string | undefined> {
  const file = path.join(dir, name);
  let st;
  try {
    st = await lstat(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) {
    info.warnings.push(`${name} is not a regular file (a link or special file); not read`);
    return undefined;
  }
  if (st.size > MAX_META_FILE_BYTES) {
    info.warnings.push(`${name} is ${st.size} bytes, over the ${MAX_META_FILE_BYTES}-byte limit; not read`);
    return undefined;
  }
  let buf: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      buf = Buffer.alloc(MAX_META_FILE_BYTES + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead > MAX_META_FILE_BYTES) {
        info.warnings.push(`${name} grew over the ${MAX_META_FILE_BYTES}-byte limit while read; not read`);
        return undefined;
      }
      buf = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (err) {
    info.warnings.push(`${name} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  if (buf.includes(0)) {
    info.warnings.push(`${name} holds NUL bytes; it is not text and was not read`);
    return undefined;
  }
  info.sources.push(name);
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

function parseJsonObject(
  text: string,
  name: string,
  info: ModelCardInfo,
): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    info.warnings.push(`${name} is not valid JSON (${clip((err as Error).message, 200)}); ignored`);
    return undefined;
  }
  if (!isRecord(v)) {
    info.warnings.push(`${name} is not a JSON object; ignored`);
    return undefined;
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function str(v: unknown, max = MAX_SHORT): string | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    return t ? clip(t, max) : undefined;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}

function strList(v: unknown, max = MAX_LIST): string[] {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: string[] = [];
  for (const x of arr) {
    const s = typeof x === 'string' ? str(x) : undefined;
    if (s && !out.includes(s)) out.push(s);
    if (out.length >= max) break;
  }
  return out;
}

function applyReadme(text: string, info: ModelCardInfo): void {
  const fm = splitFrontMatter(text);
  let body = text;
  if (fm) {
    if (!fm.closed) {
      info.warnings.push('README.md: front matter has no closing "---" line; metadata ignored');
    } else {
      body = fm.body;
      const { meta, error } = parseFrontMatterYaml(fm.yaml);
      if (error) info.warnings.push(`README.md: ${error}; metadata ignored`);
      else if (meta) applyCardMeta(meta, info);
    }
  }
  applyCardBody(body, info);
}

function applyCardMeta(m: Record<string, unknown>, info: ModelCardInfo): void {
  info.license = Array.isArray(m.license) ? strList(m.license)[0] : str(m.license);
  info.licenseName = str(m.license_name);
  info.licenseLink = str(m.license_link, 2048);
  info.pipelineTag = str(m.pipeline_tag);
  info.libraryName = str(m.library_name);
  info.tags = strList(m.tags);
  info.languages = strList(m.language ?? m.languages);
  info.datasets = strList(m.datasets);
  info.metrics = strList(m.metrics);
  info.baseModels = strList(m.base_model, 20);
  info.baseModelRelation = str(m.base_model_relation);
  const mi = m['model-index'];
  if (mi !== undefined) {
    if (!Array.isArray(mi)) info.warnings.push('README.md: model-index is not a list; ignored');
    else {
      const first = mi[0];
      if (isRecord(first)) info.modelIndexName = str(first.name);
      for (const entry of mi.slice(0, 10)) {
        if (!isRecord(entry) || !Array.isArray(entry.results)) continue;
        for (const r of entry.results.slice(0, MAX_LIST)) {
          if (!isRecord(r)) continue;
          const task = isRecord(r.task) ? r.task : {};
          const ds = isRecord(r.dataset) ? r.dataset : {};
          const metrics: ModelIndexMetric[] = [];
          for (const x of Array.isArray(r.metrics) ? r.metrics.slice(0, 50) : []) {
            if (!isRecord(x)) continue;
            const value = str(x.value);
            if (value === undefined) continue;
            metrics.push({
              type: str(x.type),
              name: str(x.name),
              value,
              ...(typeof x.verified === 'boolean' ? { verified: x.verified } : {}),
            });
          }
          info.results.push({
            taskType: str(task.type),
            taskName: str(task.name),
            datasetType: str(ds.type),
            datasetName: str(ds.name),
            datasetConfig: str(ds.config),
            datasetSplit: str(ds.split),
            datasetRevision: str(ds.revision),
            metrics,
          });
          if (info.results.length >= MAX_LIST) break;
        }
      }
    }
  }
}

const PLACEHOLDER = /^\[?\s*more information needed\s*\]?\.?$/i;

function applyCardBody(body: string, info: ModelCardInfo): void {
  const sections = markdownSections(body);
  const c = info.considerations;
  const add = (list: string[], text: string): void => {
    if (list.length < 20 && !list.includes(text)) list.push(text);
  };
  for (const s of sections) {
    const text = clip(s.text, MAX_SECTION);
    const usable = text !== '' && !PLACEHOLDER.test(text);
    if (!info.description && usable && s.level <= 1) {
      const para = text
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .find((p) => p && !/^[<!|>-]/.test(p));
      if (para) info.description = clip(para.replace(/\s*\n\s*/g, ' '), 1000);
    }
    if (!usable || s.level === 0) continue;
    const h = s.heading.toLowerCase();
    if (/recommendation|mitigation/.test(h)) {
      const last = c.ethical[c.ethical.length - 1];
      if (last && last.mitigationStrategy === undefined) last.mitigationStrategy = text;
      continue;
    }
    if (/\bbias|\brisk|ethic|fairness/.test(h)) {
      if (c.ethical.length < 20) c.ethical.push({ name: text });
      continue;
    }
    if (/out[- ]of[- ]scope|misuse/.test(h)) {
      add(c.technicalLimitations, `Out of scope: ${text}`);
      continue;
    }
    const uses = /intended use|direct use|downstream use|use cases?|^uses$|^usage$/.test(h);
    const limits = /limitation/.test(h);
    if (uses) add(c.useCases, text);
    if (limits) add(c.technicalLimitations, text);
    if (!uses && !limits && /^training\b/.test(h)) add(c.training, text);
  }
}

function applyConfig(cfg: Record<string, unknown> | undefined, info: ModelCardInfo): void {
  if (!cfg) return;
  info.modelType = str(cfg.model_type);
  info.architectures = strList(cfg.architectures, 10);
  for (const k of CONFIG_KEYS) {
    const v = cfg[k];
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
      const s = str(v, 100);
      if (s !== undefined) info.hyperparameters[k] = s;
    }
  }
  if (isRecord(cfg.id2label) && info.hyperparameters.num_labels === undefined)
    info.hyperparameters.num_labels = String(Object.keys(cfg.id2label).length);
  if (isRecord(cfg.quantization_config)) {
    const q = str(cfg.quantization_config.quant_method, 100);
    if (q) info.hyperparameters.quantization = q;
  }
}

function applyModelIndexJson(mi: Record<string, unknown> | undefined, info: ModelCardInfo): void {
  if (!mi) return;
  const cls = str(mi._class_name);
  if (cls) info.architectures = [cls];
  const v = str(mi._diffusers_version, 100);
  if (v) info.hyperparameters.diffusers_version = v;
}

function applyTokenizer(tok: Record<string, unknown> | undefined, info: ModelCardInfo): void {
  if (!tok) return;
  const max = tok.model_max_length;
  info.tokenizer = {
    class: str(tok.tokenizer_class),
    ...(typeof max === 'number' && Number.isSafeInteger(max) && max > 0 && max < 1e12
      ? { modelMaxLength: max }
      : {}),
    chatTemplate: tok.chat_template !== undefined && tok.chat_template !== null,
  };
}
