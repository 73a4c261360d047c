import { parseAllDocuments, visit, type Document } from 'yaml';
import type { GlobalVerdict, PicklePolicy } from '../../pickle/policy.js';
import type { ByteSource } from '../../source.js';
import type { FormatScanner, ScanContext, SniffInput } from '../../types.js';
import { FMT_HYDRA_DANGEROUS, FMT_HYDRA_UNKNOWN, FMT_MALFORMED, FMT_YAML_PYTHON_TAG } from './rules.js';

/** Largest YAML config parsed. */
const MAX_YAML_BYTES = 8 * 1024 * 1024;
const MAX_ALIASES = 1000;
const MAX_TARGETS = 10_000;

/** Namespaces a NeMo model config instantiates (NeMo and the stack it runs on). */
const NEMO_NAMESPACES = [
  'nemo',
  'nemo_text_processing',
  'torch',
  'torchaudio',
  'torchvision',
  'pytorch_lightning',
  'lightning',
  'lightning_fabric',
  'megatron',
  'omegaconf',
  'apex',
  'transformer_engine',
];
/** Namespaces generic Hydra configs of ML projects commonly instantiate. */
const ML_NAMESPACES = [
  ...NEMO_NAMESPACES,
  'transformers',
  'diffusers',
  'timm',
  'torchmetrics',
  'torchtext',
  'torch_geometric',
  'datasets',
  'accelerate',
  'peft',
  'sklearn',
  'numpy',
  'scipy',
  'einops',
  'monai',
  'segmentation_models_pytorch',
  'albumentations',
  'detectron2',
  'mmengine',
  'fairseq',
  'lhotse',
  'ultralytics',
  'jax',
  'flax',
  'optax',
];

const PY_TAG = /!!python\/(?:object(?:\/apply|\/new)?|name|module)\b|!<tag:yaml\.org,2002:python\//;
const TARGET_KEY = /^\s*(?:-\s+)?_target_\s*:/m;

function isText(head: Uint8Array): boolean {
  if (!head.length) return false;
  for (const c of head) if (c === 0) return false;
  return true;
}

export const hydraYamlScanner: FormatScanner = {
  id: 'hydra-yaml',
  version: '1',
  sniff(input: SniffInput): number {
    if (!isText(input.head)) return 0;
    const t = Buffer.from(input.head).toString('utf8');
    if (/^\s*[{[]/.test(t)) return 0; // JSON
    if (TARGET_KEY.test(t) || PY_TAG.test(t)) return 35;
    if (/\.ya?ml$/i.test(input.name) && /^[\w.-]+\s*:(?:\s|$)/m.test(t)) return 12;
    return 0;
  },
  async scan(source: ByteSource, ctx: ScanContext): Promise<void> {
    ctx.addFormat('yaml');
    const size = Math.min(source.size, MAX_YAML_BYTES);
    const text = Buffer.from(await source.read(0, size)).toString('utf8');
    const interesting = TARGET_KEY.test(text) || PY_TAG.test(text);
    if (source.size > MAX_YAML_BYTES) {
      if (interesting)
        ctx.report(FMT_MALFORMED, {
          message: `YAML config of ${source.size} bytes is larger than ${MAX_YAML_BYTES}; not parsed`,
          evidence: { limit: MAX_YAML_BYTES },
        });
      return;
    }
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(text, {
        schema: 'core',
        customTags: [],
        uniqueKeys: false,
        merge: true,
        prettyErrors: false,
        strict: false,
      }) as Document.Parsed[];
    } catch (err) {
      if (interesting)
        ctx.report(FMT_MALFORMED, { message: `YAML could not be parsed: ${(err as Error).message}` });
      return;
    }
    if (!Array.isArray(docs)) docs = [docs as Document.Parsed];
    // Python tags, wherever they are (PyYAML's unsafe loaders act on them while parsing).
    const tags: string[] = [];
    for (const d of docs)
      visit(d, {
        Node(_k, node) {
          const tag = (node as { tag?: string }).tag;
          if (tag && /python\//.test(tag) && tags.length < 50) tags.push(tag);
        },
      });
    const errors = docs.flatMap((d) => d.errors);
    if (tags.length || (errors.length && PY_TAG.test(text)))
      ctx.report(FMT_YAML_PYTHON_TAG, {
        message: `YAML uses Python object tags ${[...new Set(tags)].slice(0, 5).join(', ') || '!!python/…'}; unsafe YAML loaders import and call them`,
        evidence: { tags: [...new Set(tags)] },
      });
    if (errors.length) {
      if (interesting)
        ctx.report(FMT_MALFORMED, {
          message: `YAML could not be parsed: ${errors[0].message.split('\n')[0]}`,
          evidence: { errors: errors.slice(0, 5).map((e) => e.message.split('\n')[0]) },
        });
      return;
    }
    const targets: { path: string; value: string; key: string }[] = [];
    let nemoVersion = false;
    let topTarget: string | undefined;
    for (const d of docs) {
      let js: unknown;
      try {
        js = d.toJS({ maxAliasCount: MAX_ALIASES });
      } catch (err) {
        ctx.report(FMT_MALFORMED, {
          message: `YAML aliases could not be resolved: ${(err as Error).message}`,
        });
        return;
      }
      if (js && typeof js === 'object' && !Array.isArray(js)) {
        const o = js as Record<string, unknown>;
        if ('nemo_version' in o) nemoVersion = true;
        if (typeof o.target === 'string') topTarget = o.target;
      }
      collectTargets(js, '', targets, 0);
    }
    const nemo =
      nemoVersion ||
      (topTarget !== undefined && topTarget.startsWith('nemo.')) ||
      targets.some((t) => t.value.startsWith('nemo.'));
    if (nemo) ctx.addFormat('nemo-config');
    if (nemo && topTarget !== undefined) targets.unshift({ path: 'target', value: topTarget, key: 'target' });
    let checked = 0;
    for (const t of targets) {
      ctx.checkDeadline();
      checked++;
      const v = classifyTarget(ctx.policy, t.value, nemo);
      if (v.verdict === 'ok') continue;
      const rule = v.verdict === 'malicious' ? FMT_HYDRA_DANGEROUS : FMT_HYDRA_UNKNOWN;
      ctx.report(rule, {
        message: `${t.key} at ${t.path || '<root>'} instantiates ${JSON.stringify(t.value.slice(0, 200))}: ${v.reason}`,
        evidence: { path: t.path, target: t.value.slice(0, 500), reason: v.reason, matched: v.matched },
      });
    }
    ctx.addAnalysis(`hydra-targets:${checked}`);
  },
};

/** Collects `_target_` string values with their dotted paths from the alias-resolved value (bounded). */
function collectTargets(
  node: unknown,
  path: string,
  out: { path: string; value: string; key: string }[],
  depth: number,
  seen = new WeakSet<object>(),
): void {
  if (depth > 200 || out.length >= MAX_TARGETS || !node || typeof node !== 'object') return;
  if (seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    node.forEach((item, i) => collectTargets(item, `${path}[${i}]`, out, depth + 1, seen));
    return;
  }
  const entries: [unknown, unknown][] = node instanceof Map ? [...node.entries()] : Object.entries(node);
  for (const [key, value] of entries) {
    const k = String(key);
    const p = path ? `${path}.${k}` : k;
    if (k === '_target_' && typeof value === 'string') out.push({ path: p, value, key: '_target_' });
    else collectTargets(value, p, out, depth + 1, seen);
    if (out.length >= MAX_TARGETS) return;
  }
}

export interface TargetVerdict {
  verdict: 'ok' | 'suspicious' | 'malicious';
  reason: string;
  matched?: string;
}

/**
 * Classifies a Hydra `_target_`: denied anywhere along the dotted path (aliases such as nemo.x.os.system resolve
 * to os.system) → malicious; inside the expected namespaces → ok; otherwise malicious in a NeMo model config
 * (CVE-2025-23304) and suspicious elsewhere.
 */
export function classifyTarget(policy: PicklePolicy, target: string, nemo: boolean): TargetVerdict {
  const t = target.trim();
  if (!/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$/.test(t))
    return {
      verdict: nemo ? 'malicious' : 'suspicious',
      reason: 'not a dotted Python path; Hydra would still try to import it',
    };
  const parts = t.split('.');
  if (parts.length === 1) {
    const v = policy.classify('builtins', t);
    if (v.class === 'denied') return denied(v);
    return nemo
      ? {
          verdict: 'malicious',
          reason: 'a bare name outside the NeMo and PyTorch namespaces (CVE-2025-23304)',
        }
      : { verdict: 'suspicious', reason: 'a bare name; Hydra imports it as a module' };
  }
  // The canonical split (module = all but the last part): the full policy decision.
  const full = policy.classify(parts.slice(0, -1).join('.'), parts[parts.length - 1]);
  if (full.class === 'denied' && (nemo || full.matched !== 'stdlib-default-deny')) return denied(full);
  // Any other split or suffix that an explicit deny entry covers (attribute aliases of dangerous modules).
  for (let i = 0; i < parts.length - 1; i++)
    for (let j = i + 1; j < parts.length; j++) {
      if (i === 0 && j === parts.length - 1) continue;
      const v = policy.classify(parts.slice(i, j).join('.'), parts.slice(j).join('.'));
      if (v.class === 'denied' && v.matched !== 'stdlib-default-deny' && v.matched !== 'attribute-of-allowed')
        return denied(
          v,
          i > 0 ? `reached as an attribute alias through ${parts.slice(0, i).join('.')}` : undefined,
        );
    }
  const top = parts[0];
  const namespaces = nemo ? NEMO_NAMESPACES : ML_NAMESPACES;
  if (namespaces.includes(top)) return { verdict: 'ok', reason: 'expected namespace' };
  if (full.class === 'allowed') return { verdict: 'ok', reason: 'allowlisted' };
  if (nemo)
    return {
      verdict: 'malicious',
      reason:
        'outside the NeMo, PyTorch, Lightning and Megatron namespaces a NeMo model instantiates (CVE-2025-23304)',
    };
  return {
    verdict: 'suspicious',
    reason:
      full.matched === 'stdlib-default-deny'
        ? 'a standard-library callable that configs do not normally instantiate'
        : `outside the namespaces ML configs normally instantiate (${top})`,
  };
}

function denied(v: GlobalVerdict, how?: string): TargetVerdict {
  return { verdict: 'malicious', reason: how ? `${v.reason} (${how})` : v.reason, matched: v.matched };
}
