import type { ScanContext } from '../../types.js';
import type { JsonAnalyzer } from '../json/analyzers.js';
import { unsafeName } from '../safetensors/text-checks.js';
import {
  FMT_EXTERNAL_REF,
  FMT_IDENTIFIED,
  FMT_SKOPS_DANGEROUS,
  FMT_SKOPS_UNTRUSTED,
  FMT_TORCHSERVE,
} from './rules.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ------------------------------------------------------------------------------------------------------- XGBoost

/** XGBoost's JSON model (Booster.save_model("model.json")): {"learner": {...}, "version": [major, minor, patch]}. */
export const xgboostJsonAnalyzer: JsonAnalyzer = {
  id: 'xgboost-json',
  match(doc: unknown): number {
    return isObj(doc) && isObj(doc.learner) && Array.isArray(doc.version) ? 80 : 0;
  },
  analyze(doc: unknown, ctx: ScanContext): void {
    const d = doc as Obj;
    const learner = d.learner as Obj;
    const booster = isObj(learner.gradient_booster) ? String(learner.gradient_booster.name ?? '') : '';
    const objective = isObj(learner.objective) ? String(learner.objective.name ?? '') : '';
    ctx.report(FMT_IDENTIFIED, {
      message: `XGBoost JSON model (version ${(d.version as unknown[]).join('.')}${booster ? `, ${booster}` : ''}${objective ? `, ${objective}` : ''}): trees and parameters are data that XGBoost's loader does not execute; the trees were not analysed`,
      evidence: {
        format: 'xgboost-json',
        version: d.version,
        booster,
        objective,
        analysed: 'format identification only',
      },
    });
  },
};

// --------------------------------------------------------------------------------------------------------- skops

/** Builtins skops trusts by default (primitive and container types). */
const SKOPS_BUILTINS = new Set([
  'int',
  'float',
  'str',
  'bool',
  'complex',
  'bytes',
  'bytearray',
  'list',
  'dict',
  'tuple',
  'set',
  'frozenset',
  'slice',
  'NoneType',
  'type',
]);

function skopsTrusted(module: string, name: string): boolean {
  const top = module.split('.')[0];
  if (module === 'builtins') return SKOPS_BUILTINS.has(name);
  if (module === 'collections') return name === 'OrderedDict' || name === 'defaultdict';
  if (top === 'numpy' || top === 'sklearn') return true;
  return (
    module === 'scipy.sparse' ||
    module.startsWith('scipy.sparse.') ||
    module === 'scipy.special' ||
    module.startsWith('scipy.special.')
  );
}

/** skops schema.json: a tree of {"__class__", "__module__", "__loader__", "content"} nodes plus "protocol". */
export const skopsSchemaAnalyzer: JsonAnalyzer = {
  id: 'skops-schema',
  match(doc: unknown): number {
    if (!isObj(doc)) return 0;
    const node =
      typeof doc.__class__ === 'string' &&
      typeof doc.__module__ === 'string' &&
      typeof doc.__loader__ === 'string';
    if (node && ('protocol' in doc || '_skops_version' in doc)) return 85;
    return node ? 40 : 0;
  },
  analyze(doc: unknown, ctx: ScanContext): void {
    const refs = new Map<string, { module: string; name: string; loader: string; path: string }>();
    // Iterative walk with an explicit stack (hostile documents nest arbitrarily deep).
    const stack: [unknown, string, number][] = [[doc, '', 0]];
    let nodes = 0;
    while (stack.length) {
      const [v, path, depth] = stack.pop()!;
      if (++nodes > 5_000_000 || depth > 10_000) break;
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`, depth + 1]);
        continue;
      }
      if (!isObj(v)) continue;
      const loader = typeof v.__loader__ === 'string' ? v.__loader__ : '';
      if (typeof v.__module__ === 'string' && typeof v.__class__ === 'string') {
        const key = `${v.__module__}.${v.__class__}`;
        if (!refs.has(key) && refs.size < 10_000)
          refs.set(key, { module: v.__module__, name: v.__class__, loader, path: path || '<root>' });
      }
      const content = v.content;
      if (isObj(content)) {
        // Older protocols: FunctionNode content {module_path, function}; TypeNode content {__module__, __class__}.
        if (typeof content.module_path === 'string' && typeof content.function === 'string') {
          const key = `${content.module_path}.${content.function}`;
          if (!refs.has(key))
            refs.set(key, {
              module: content.module_path,
              name: content.function,
              loader: loader || 'FunctionNode',
              path,
            });
        }
        // MethodNode: content {func: "<method name>", obj: <node>} calls a method of the object.
        if (loader === 'MethodNode' && typeof content.func === 'string' && typeof v.__module__ === 'string') {
          const cls = typeof v.__class__ === 'string' ? v.__class__ : '?';
          const key = `${v.__module__}.${cls}.${content.func}`;
          if (!refs.has(key))
            refs.set(key, { module: v.__module__, name: `${cls}.${content.func}`, loader, path });
        }
      }
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        if (typeof child === 'object' && child !== null)
          stack.push([child, path ? `${path}.${k}` : k, depth + 1]);
      }
    }
    let untrusted = 0;
    for (const r of refs.values()) {
      const v = ctx.policy.classify(r.module, r.name);
      const full = `${r.module}.${r.name}`;
      if (v.class === 'denied' && v.matched !== 'attribute-of-allowed') {
        ctx.report(FMT_SKOPS_DANGEROUS, {
          message: `skops schema names ${full} (${r.loader || 'node'}): ${v.reason}`,
          severity: v.severity === 'info' ? 'critical' : v.severity,
          evidence: { type: full, loader: r.loader, path: r.path, reason: v.reason, matched: v.matched },
          references: v.cve || v.ghsa ? { cve: [...(v.cve ?? [])], ghsa: [...(v.ghsa ?? [])] } : undefined,
        });
        continue;
      }
      if (r.name.includes('.') || !skopsTrusted(r.module, r.name)) {
        untrusted++;
        if (untrusted <= 50)
          ctx.report(FMT_SKOPS_UNTRUSTED, {
            message: `skops schema names ${full} (${r.loader || 'node'}), which skops does not trust by default${v.class === 'allowed' ? " (on Bulwark's allowlist)" : ''}`,
            evidence: { type: full, loader: r.loader, path: r.path, policy: v.class },
          });
      }
    }
    if (untrusted > 50)
      ctx.report(FMT_SKOPS_UNTRUSTED, {
        message: `${untrusted - 50} more untrusted types not listed (${untrusted} in all)`,
        evidence: { total: untrusted },
      });
    ctx.addAnalysis(`skops-types:${refs.size}`);
  },
};

// ---------------------------------------------------------------------------------------------------- TorchServe

const TORCHSERVE_BUILTIN_HANDLERS = new Set([
  'image_classifier',
  'image_segmenter',
  'object_detector',
  'text_classifier',
  'text_classification',
  'dense_classifier',
]);

/** TorchServe MAR-INF/MANIFEST.json: {"model": {"modelName", "handler", "serializedFile", ...}, "archiverVersion"...}. */
export const torchserveManifestAnalyzer: JsonAnalyzer = {
  id: 'torchserve-manifest',
  match(doc: unknown, name: string): number {
    if (!isObj(doc) || !isObj(doc.model)) return 0;
    const m = doc.model;
    if (typeof m.handler !== 'string' && typeof m.modelName !== 'string') return 0;
    if ('archiverVersion' in doc || 'runtime' in doc || 'createdOn' in doc) return 80;
    return /MANIFEST\.json$/.test(name) ? 50 : 0;
  },
  analyze(doc: unknown, ctx: ScanContext): void {
    const m = (doc as Obj).model as Obj;
    const str = (k: string): string | undefined => (typeof m[k] === 'string' ? (m[k] as string) : undefined);
    const handler = str('handler') ?? '';
    const handlerFile = handler.split(':')[0];
    const builtin = TORCHSERVE_BUILTIN_HANDLERS.has(handler);
    const files: Record<string, string> = {};
    for (const k of [
      'handler',
      'modelFile',
      'serializedFile',
      'requirementsFile',
      'extensions',
      'configFile',
    ]) {
      const v = str(k);
      if (v) files[k] = v;
    }
    ctx.report(FMT_TORCHSERVE, {
      message: builtin
        ? `TorchServe archive for model ${JSON.stringify(str('modelName') ?? '')} uses the built-in handler ${handler}`
        : `TorchServe archive for model ${JSON.stringify(str('modelName') ?? '')} runs custom handler ${JSON.stringify(handler)} (Python executed by the server)${files.requirementsFile ? `; installs ${files.requirementsFile}` : ''}`,
      evidence: {
        modelName: str('modelName'),
        builtinHandler: builtin,
        ...files,
        runtime: (doc as Obj).runtime,
      },
    });
    for (const [k, v] of Object.entries(files)) {
      const target = k === 'handler' ? handlerFile : v;
      for (const part of target.split(',')) {
        const problem = unsafeName(part.trim());
        if (problem === 'traversal' || problem === 'absolute path')
          ctx.report(FMT_EXTERNAL_REF, {
            message: `TorchServe manifest ${k} ${JSON.stringify(part.trim())} is ${problem === 'traversal' ? 'a path traversal' : 'an absolute path'}`,
            evidence: { field: k, value: part.trim(), problem },
          });
      }
    }
  },
};

/** JSON analyzers for other model families; register them in json-scanner.ts's JSON_ANALYZERS. */
export const otherJsonAnalyzers: JsonAnalyzer[] = [
  xgboostJsonAnalyzer,
  skopsSchemaAnalyzer,
  torchserveManifestAnalyzer,
];
