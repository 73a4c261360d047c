import { stringify as stringifyYaml } from 'yaml';
import { markdownSections, parseFrontMatterYaml, splitFrontMatter } from '../../core/front-matter.js';

/** One `model-index` result: task, dataset and metrics, as Hugging Face model cards declare evaluations. */
export interface ModelIndexResult {
  task: { type: string; name?: string };
  dataset: { type: string; name: string; config?: string; split?: string; revision?: string };
  metrics: { type: string; value: unknown; name?: string; verified?: boolean }[];
}

/** What a Hugging Face README (model card) holds, read without trusting it. */
export interface HfCard {
  /** Front matter as parsed (unknown keys kept). Empty when the README has none. */
  metadata: Record<string, unknown>;
  /** Markdown body after the front matter. */
  body: string;
  /** Level-1..3 headings of the body → their text (first occurrence wins). */
  sections: Map<string, string>;
  /** `model-index` results that have the required fields. */
  results: ModelIndexResult[];
  /** Problems found while reading (malformed YAML, wrong types, missing required keys). */
  problems: CardProblem[];
}

export interface CardProblem {
  /** Stable code, e.g. `license-missing`, `model-index-invalid`. */
  code: string;
  /** Where, e.g. `model-index[0].results[1].metrics[0]`. */
  path: string;
  message: string;
}

/** README size read at most (larger cards are cut, with a problem noted). */
export const MAX_CARD_BYTES = 1 << 20;

/** Splits a README into front matter and body and validates the Hugging Face metadata it declares. */
export function parseHfCard(text: string): HfCard {
  const problems: CardProblem[] = [];
  if (text.length > MAX_CARD_BYTES) {
    problems.push({
      code: 'card-truncated',
      path: '',
      message: `README longer than ${MAX_CARD_BYTES} bytes; the rest was not read`,
    });
    text = text.slice(0, MAX_CARD_BYTES);
  }
  let metadata: Record<string, unknown> = {};
  let body = text.replace(/^\uFEFF/, '');
  const fm = splitFrontMatter(body);
  if (!fm) {
    problems.push({
      code: 'front-matter-missing',
      path: '',
      message: 'README has no YAML front matter (--- … ---)',
    });
  } else if (!fm.closed) {
    problems.push({
      code: 'front-matter-invalid',
      path: '',
      message: 'front matter has no closing "---" line',
    });
  } else {
    body = fm.body;
    const parsed = parseFrontMatterYaml(fm.yaml);
    if (parsed.error) problems.push({ code: 'front-matter-invalid', path: '', message: parsed.error });
    else metadata = parsed.meta ?? {};
  }
  const results = validateMetadata(metadata, problems);
  const sections = new Map<string, string>();
  for (const sec of markdownSections(body))
    if (sec.heading && !sections.has(sec.heading)) sections.set(sec.heading, sec.text);
  return { metadata, body, sections, results, problems };
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function validateMetadata(md: Record<string, unknown>, problems: CardProblem[]): ModelIndexResult[] {
  const license = md.license;
  if (license === undefined)
    problems.push({ code: 'license-missing', path: 'license', message: 'no license declared' });
  else if (typeof license !== 'string' && !isStringList(license))
    problems.push({ code: 'license-invalid', path: 'license', message: 'license must be a string' });
  else if (
    license === 'other' &&
    (typeof md.license_name !== 'string' || typeof md.license_link !== 'string')
  )
    problems.push({
      code: 'license-other-incomplete',
      path: 'license',
      message: 'license "other" needs license_name and license_link',
    });
  for (const key of ['datasets', 'metrics', 'tags', 'language'] as const) {
    const v = md[key];
    if (v !== undefined && typeof v !== 'string' && !isStringList(v))
      problems.push({
        code: `${key}-invalid`,
        path: key,
        message: `${key} must be a string or a list of strings`,
      });
  }
  const base = md.base_model;
  if (base !== undefined && typeof base !== 'string' && !isStringList(base))
    problems.push({
      code: 'base-model-invalid',
      path: 'base_model',
      message: 'base_model must be a model id or a list of ids',
    });
  const rel = md.base_model_relation;
  if (rel !== undefined && !['adapter', 'merge', 'quantized', 'finetune'].includes(String(rel)))
    problems.push({
      code: 'base-model-relation-invalid',
      path: 'base_model_relation',
      message: 'base_model_relation must be adapter, merge, quantized or finetune',
    });

  const results: ModelIndexResult[] = [];
  const index = md['model-index'];
  if (index === undefined) return results;
  if (!Array.isArray(index)) {
    problems.push({
      code: 'model-index-invalid',
      path: 'model-index',
      message: 'model-index must be a list',
    });
    return results;
  }
  index.forEach((entry, i) => {
    const p = `model-index[${i}]`;
    if (!entry || typeof entry !== 'object') {
      problems.push({
        code: 'model-index-invalid',
        path: p,
        message: 'entry must be a mapping with name and results',
      });
      return;
    }
    const e = entry as Record<string, unknown>;
    if (typeof e.name !== 'string')
      problems.push({ code: 'model-index-invalid', path: `${p}.name`, message: 'name is required' });
    if (!Array.isArray(e.results)) {
      problems.push({ code: 'model-index-invalid', path: `${p}.results`, message: 'results must be a list' });
      return;
    }
    e.results.forEach((r: unknown, j: number) => {
      const rp = `${p}.results[${j}]`;
      const res = (r ?? {}) as Record<string, unknown>;
      const task = (res.task ?? {}) as Record<string, unknown>;
      const ds = (res.dataset ?? {}) as Record<string, unknown>;
      let ok = true;
      if (typeof task.type !== 'string') {
        problems.push({
          code: 'model-index-invalid',
          path: `${rp}.task.type`,
          message: 'task.type is required',
        });
        ok = false;
      }
      if (typeof ds.type !== 'string' || typeof ds.name !== 'string') {
        problems.push({
          code: 'model-index-invalid',
          path: `${rp}.dataset`,
          message: 'dataset.type and dataset.name are required',
        });
        ok = false;
      }
      const metrics = Array.isArray(res.metrics) ? res.metrics : [];
      if (metrics.length === 0) {
        problems.push({
          code: 'model-index-invalid',
          path: `${rp}.metrics`,
          message: 'at least one metric is required',
        });
        ok = false;
      }
      const good: ModelIndexResult['metrics'] = [];
      metrics.forEach((mt: unknown, k: number) => {
        const x = (mt ?? {}) as Record<string, unknown>;
        if (typeof x.type !== 'string' || x.value === undefined) {
          problems.push({
            code: 'model-index-invalid',
            path: `${rp}.metrics[${k}]`,
            message: 'metric type and value are required',
          });
          ok = false;
        } else
          good.push({
            type: x.type,
            value: x.value,
            ...(typeof x.name === 'string' ? { name: x.name } : {}),
            ...(typeof x.verified === 'boolean' ? { verified: x.verified } : {}),
          });
      });
      if (ok)
        results.push({
          task: { type: task.type as string, ...(typeof task.name === 'string' ? { name: task.name } : {}) },
          dataset: {
            type: ds.type as string,
            name: ds.name as string,
            ...(typeof ds.config === 'string' ? { config: ds.config } : {}),
            ...(typeof ds.split === 'string' ? { split: ds.split } : {}),
            ...(typeof ds.revision === 'string' ? { revision: ds.revision } : {}),
          },
          metrics: good,
        });
    });
  });
  return results;
}

/** Writes a README: YAML front matter (stable key order as given) followed by the markdown body. */
export function renderHfReadme(metadata: Record<string, unknown>, body: string): string {
  const yaml = stringifyYaml(metadata, { lineWidth: 0 }).trimEnd();
  return `---\n${yaml}\n---\n\n${body.trim()}\n`;
}
