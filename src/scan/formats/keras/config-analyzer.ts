import { createHash } from 'node:crypto';
import { BulwarkError, LimitError, errorMessage } from '../../../core/errors.js';
import type { References } from '../../../core/finding.js';
import type { FindingInit, RuleMeta } from '../../../core/rules.js';
import { maxSeverity, type Severity } from '../../../core/severity.js';
import { BufferSource } from '../../source.js';
import type { ScanContext } from '../../types.js';
import type { JsonAnalyzer } from '../json/analyzers.js';
import { decodeMarshalCode, looksLikeMarshalCode, type MarshalCode } from './marshal.js';
import {
  DANGEROUS_CODE_NAMES,
  DANGEROUS_CODE_STRINGS,
  INTERNAL_CLASSES,
  KERAS_BUILTIN_FUNCTIONS,
  KERAS_GADGETS,
  KERAS_GADGET_SEGMENTS,
  KERAS_OPTIMIZERS,
  KERAS_ROOTS,
  MODEL_CLASSES,
  PATH_FIELDS,
  PYTHON_BUILTINS,
  SHELL_OR_URL,
  TF_OP_LAMBDAS,
  type GadgetKind,
} from './names.js';
import {
  KERAS_CONFIG_UNANALYSED,
  KERAS_CUSTOM_OBJECT,
  KERAS_DOWNLOAD_GADGET,
  KERAS_EXTERNAL_RESOURCE,
  KERAS_FILE_GADGET,
  KERAS_LAMBDA_CODE,
  KERAS_LAMBDA_DANGEROUS,
  KERAS_SAFE_MODE_BYPASS,
  KERAS_TF_OP,
  KERAS_TORCH_WRAPPER,
  KERAS_UNSAFE_MODULE,
} from './rules.js';

export interface KerasConfigOptions {
  /** Where the config came from, for messages (e.g. "config.json", "model_config attribute"). */
  source: string;
  /** The config is a legacy HDF5 model_config/training_config: Keras ignores safe_mode for it (CVE-2025-9905). */
  legacyH5?: boolean;
}

/** Values visited in one config (objects, arrays, scalars). */
const MAX_NODES = 5_000_000;
/** Nesting depth walked. */
const MAX_DEPTH = 2_000;
/** Findings per rule and config; the rest are counted. */
const MAX_FINDINGS_PER_RULE = 50;
/** Longest code string decoded (characters). */
const MAX_CODE_CHARS = 64 * 1024 * 1024;
/** Strings shorter than this are never checked for hidden bytecode (a code object needs more). */
const MIN_HIDDEN_CODE_CHARS = 64;

type Json = Record<string, unknown>;

interface WalkNode {
  value: unknown;
  key: string | number | null;
  parent: WalkNode | null;
  depth: number;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function pathOf(n: WalkNode): string {
  const parts: string[] = [];
  for (let p: WalkNode | null = n; p && p.key !== null; p = p.parent) {
    if (parts.length >= 40) {
      parts.push('…');
      break;
    }
    parts.push(typeof p.key === 'number' ? `[${p.key}]` : `.${p.key}`);
  }
  const s = parts.reverse().join('');
  return s.startsWith('.') ? s.slice(1) : s || '(root)';
}

/** Name of the layer (or other named serialised object) that holds a node, the node itself included. */
function enclosingName(n: WalkNode | null): string | undefined {
  for (let p = n; p; p = p.parent) {
    const v = p.value;
    if (!isObj(v) || typeof v.class_name !== 'string' || v.class_name.startsWith('__')) continue;
    if (typeof v.name === 'string') return v.name;
    if (isObj(v.config) && typeof v.config.name === 'string') return v.config.name;
  }
  return undefined;
}

function rootOf(module: string): string {
  const dot = module.indexOf('.');
  return dot < 0 ? module : module.slice(0, dot);
}

function packageOf(registered: string | undefined): string | undefined {
  if (!registered) return undefined;
  const i = registered.indexOf('>');
  return i > 0 ? registered.slice(0, i) : undefined;
}

// ---- code strings --------------------------------------------------------------------------------------------

const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++)
  B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * Base64 decoding as lenient as Python's binascii.a2b_base64 (which Keras' func_load uses): characters outside
 * the alphabet are skipped, decoding stops at padding. Returns undefined for leftover bits that Python rejects.
 */
export function lenientBase64(s: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let quad = 0;
  let pads = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d) {
      // A complete pad sequence ends the input (the rest is ignored, as binascii does).
      if (quad >= 2 && quad + ++pads >= 4) return out.subarray(0, n);
      continue;
    }
    const v = c < 128 ? B64_VALUE[c] : -1;
    if (v < 0) continue;
    pads = 0;
    acc = (acc << 6) | v;
    bits += 6;
    quad = (quad + 1) & 3;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (quad !== 0) return undefined;
  return out.subarray(0, n);
}

/** str.encode('raw_unicode_escape'): code points below 256 become one byte, others a \uXXXX escape. */
function rawUnicodeEscape(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 256) out.push(cp);
    else {
      const esc =
        cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
      for (const c of esc) out.push(c.charCodeAt(0));
    }
  }
  return Uint8Array.from(out);
}

interface DecodedCode {
  code?: MarshalCode;
  bytes?: Uint8Array;
  encoding?: 'base64' | 'raw';
  error?: string;
  limit?: boolean;
}

/** Decodes a code string the way Keras' func_load does (base64 first, then raw_unicode_escape). */
export function decodeCodeString(s: string): DecodedCode {
  if (s.length > MAX_CODE_CHARS)
    return { error: `code string of ${s.length} characters is longer than ${MAX_CODE_CHARS}`, limit: true };
  const candidates: [Uint8Array | undefined, 'base64' | 'raw'][] = [];
  const ascii = !/[^\x00-\x7f]/.test(s);
  if (ascii) candidates.push([lenientBase64(s), 'base64']);
  candidates.push([rawUnicodeEscape(s), 'raw']);
  let error: string | undefined;
  for (const [bytes, encoding] of candidates) {
    if (!bytes || !looksLikeMarshalCode(bytes)) continue;
    try {
      return { code: decodeMarshalCode(bytes), bytes, encoding };
    } catch (err) {
      if (err instanceof LimitError) return { error: err.message, limit: true, bytes, encoding };
      error ??= errorMessage(err);
    }
  }
  return { error: error ?? 'neither base64 nor raw bytes hold a marshalled code object' };
}

function looksLikeHiddenCode(s: string): boolean {
  if (s.length < MIN_HIDDEN_CODE_CHARS) return false;
  const t = s.trimStart();
  if (t.startsWith('4w') || t.startsWith('Yw')) return true;
  const c0 = s.charCodeAt(0);
  return c0 === 0xe3 || (c0 === 0x63 && s.charCodeAt(1) < 0x20);
}

interface CodeSummary {
  names: string[];
  strings: string[];
  dangerousNames: string[];
  dangerousStrings: string[];
  codeObjects: number;
  functions: string[];
}

export function summarizeCode(mc: MarshalCode): CodeSummary {
  const names = new Set<string>();
  const strings: string[] = [];
  const functions: string[] = [];
  for (const c of mc.all) {
    for (const x of c.names) names.add(x);
    for (const s of c.strings) strings.push(s);
    functions.push(c.qualname ?? c.name);
  }
  const dangerousNames = [...names].filter((x) => DANGEROUS_CODE_NAMES.has(x));
  const dangerousStrings = [
    ...new Set(strings.filter((s) => DANGEROUS_CODE_STRINGS.has(s) || SHELL_OR_URL.test(s))),
  ];
  return {
    names: [...names],
    strings,
    dangerousNames,
    dangerousStrings,
    codeObjects: mc.all.length,
    functions: [...new Set(functions)],
  };
}

// ---- path-valued fields ----------------------------------------------------------------------------------------

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

type PathKind = 'url' | 'absolute' | 'traversal' | 'home' | 'relative';

function classifyPath(s: string): PathKind {
  const t = s.trim();
  if (URL_RE.test(t)) return 'url';
  if (/(^|[\\/])\.\.([\\/]|$)/.test(t)) return 'traversal';
  if (t.startsWith('~')) return 'home';
  if (t.startsWith('/') || t.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(t)) return 'absolute';
  return 'relative';
}

// ---- the walker ------------------------------------------------------------------------------------------------

interface WrapperTask {
  layer: string;
  path: string;
  blob: unknown;
}

interface Gadget {
  kind: GadgetKind;
  what: string;
  cve?: readonly string[];
}

class KerasConfigWalker {
  private readonly perRule = new Map<string, number>();
  private readonly seen = new Set<string>();
  private readonly handledStrings = new Set<string>();
  private readonly wrappers: WrapperTask[] = [];
  private dropped = 0;
  private nodes = 0;
  private limitHit = false;
  private lambdas = 0;
  private readonly where: string;
  /** Message prefix naming the source, unless the finding's location already names it. */
  private readonly pre: string;

  constructor(
    private readonly ctx: ScanContext,
    private readonly opts: KerasConfigOptions,
  ) {
    this.where = opts.source;
    const here = ctx.location.inner?.at(-1) ?? ctx.location.file;
    const base = here.split(/[\\/]/).pop();
    this.pre = !opts.source || base === opts.source ? '' : `${opts.source}: `;
  }

  private report(rule: RuleMeta, init: Omit<FindingInit, 'location'>, dedupe?: string): void {
    const key = `${rule.id}|${dedupe ?? init.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const n = this.perRule.get(rule.id) ?? 0;
    if (n >= MAX_FINDINGS_PER_RULE) {
      this.dropped++;
      return;
    }
    this.perRule.set(rule.id, n + 1);
    this.ctx.report(rule, init);
  }

  private limit(message: string, evidence: Record<string, unknown>): void {
    if (this.limitHit) return;
    this.limitHit = true;
    this.report(KERAS_CONFIG_UNANALYSED, { message, evidence: { source: this.where, ...evidence } });
  }

  run(doc: unknown): void {
    const stack: WalkNode[] = [{ value: doc, key: null, parent: null, depth: 0 }];
    while (stack.length) {
      const n = stack.pop() as WalkNode;
      if (++this.nodes > MAX_NODES) {
        this.limit(`${this.pre}Keras config has more than ${MAX_NODES} values; the rest was not analysed`, {
          limit: 'nodes',
        });
        return;
      }
      if ((this.nodes & 0x3fff) === 0) this.ctx.checkDeadline();
      const v = n.value;
      if (typeof v === 'string') {
        this.visitString(v, n);
        continue;
      }
      if (v === null || typeof v !== 'object') continue;
      if (n.depth >= MAX_DEPTH) {
        this.limit(
          `${this.pre}Keras config nested deeper than ${MAX_DEPTH} levels at ${pathOf(n)}; not analysed below`,
          {
            limit: 'depth',
          },
        );
        continue;
      }
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--)
          stack.push({ value: v[i], key: i, parent: n, depth: n.depth + 1 });
        continue;
      }
      const o = v as Json;
      this.visitObject(o, n);
      const keys = Object.keys(o);
      for (let i = keys.length - 1; i >= 0; i--)
        stack.push({ value: o[keys[i]], key: keys[i], parent: n, depth: n.depth + 1 });
    }
  }

  async finish(): Promise<void> {
    for (const w of this.wrappers) {
      this.ctx.checkDeadline();
      await this.scanWrapper(w);
    }
    const parts = [`keras-config-walk:${this.nodes} values`];
    if (this.lambdas) parts.push(`${this.lambdas} code objects decoded`);
    if (this.dropped) parts.push(`${this.dropped} repeated findings not listed`);
    this.ctx.addAnalysis(parts.join(', '));
  }

  // ---- objects -------------------------------------------------------------------------------------------------

  private visitObject(o: Json, n: WalkNode): void {
    for (const key of PATH_FIELDS) if (key in o) this.pathField(o[key], key, o, n);
    const cn = o.class_name;
    if (typeof cn !== 'string') return;
    const simple = cn.includes('>') ? cn.slice(cn.lastIndexOf('>') + 1) : cn;
    const cfg = o.config;
    if (cn === '__lambda__') this.kerasThreeLambda(o, n);
    else if (simple === 'Lambda' && isObj(cfg)) this.lambdaLayer(cfg, n);
    else if (TF_OP_LAMBDAS.has(simple) && isObj(cfg)) this.tfOpLambda(cfg, n, simple);
    if (simple === 'TorchModuleWrapper') {
      const blob = isObj(cfg) ? cfg.module : undefined;
      if (typeof blob === 'string') this.handledStrings.add(blob);
      this.wrappers.push({ layer: enclosingName(n) ?? simple, path: pathOf(n), blob });
    }
    this.reference(o, cn, n);
  }

  /** Keras 3 `{"class_name": "__lambda__", "config": {"code"|"value": …}}`. */
  private kerasThreeLambda(o: Json, n: WalkNode): void {
    const cfg = o.config;
    if (!isObj(cfg)) return;
    if (typeof cfg.code === 'string') this.code(cfg.code, 'config.code', n, true);
    const value = cfg.value;
    if (typeof value === 'string') this.code(value, 'config.value', n, true);
    else if (Array.isArray(value) && typeof value[0] === 'string')
      this.code(value[0], 'config.value[0]', n, true);
  }

  /** Keras 2 Lambda: `function`, `output_shape` and `mask` as func_dump triples or code strings. */
  private lambdaLayer(cfg: Json, n: WalkNode): void {
    const module = typeof cfg.module === 'string' ? cfg.module : undefined;
    for (const [field, typeField] of [
      ['function', 'function_type'],
      ['output_shape', 'output_shape_type'],
      ['mask', 'mask_type'],
    ] as const) {
      const f = cfg[field];
      const t = cfg[typeField];
      // Without a *_type marker only something that decodes as bytecode counts (Keras 3 writes shapes here).
      if (Array.isArray(f) && typeof f[0] === 'string' && (t === undefined || t === 'lambda'))
        this.code(f[0], `config.${field}[0]`, n, true, module, t === 'lambda');
      else if (typeof f === 'string' && t === 'lambda') this.code(f, `config.${field}`, n, true, module);
    }
  }

  private tfOpLambda(cfg: Json, n: WalkNode, cls: string): void {
    const fn = cfg.function;
    if (typeof fn !== 'string') return;
    const g = gadgetIn(fn.split('.'));
    if (!g) return;
    const layer = enclosingName(n) ?? cls;
    this.report(KERAS_TF_OP, {
      message: `${cls} layer "${clip(layer, 80)}" calls tf.${clip(fn, 120)}, which ${g.what}`,
      evidence: { source: this.where, path: pathOf(n), layer, function: fn, kind: g.kind },
      severity: g.kind === 'code' ? 'critical' : undefined,
    });
  }

  // ---- references ----------------------------------------------------------------------------------------------

  private reference(o: Json, cn: string, n: WalkNode): void {
    let name: string;
    let isFunction = false;
    const registered = typeof o.registered_name === 'string' ? o.registered_name : undefined;
    if (cn === '__typespec__') name = typeof o.spec_name === 'string' ? o.spec_name : '';
    else if (INTERNAL_CLASSES.has(cn)) return;
    else if (cn === 'function') {
      isFunction = true;
      name = typeof o.config === 'string' ? o.config : (registered ?? '');
    } else name = cn;
    const module = typeof o.module === 'string' ? o.module.trim() : '';
    let reported = false;
    if (module) reported = this.moduleReference(module, name, isFunction, n);
    const pkg = packageOf(registered) ?? packageOf(cn) ?? (isFunction ? packageOf(name) : undefined);
    if (!reported && pkg && !KERAS_ROOTS.has(rootOf(pkg)) && !isKerasCustomAlias(registered ?? cn))
      this.custom(`registered custom object ${registered ?? cn}`, pkg, n, { registered: registered ?? cn });
  }

  /** Classifies `module` + `name`; returns true when a finding was made. */
  private moduleReference(module: string, name: string, isFunction: boolean, n: WalkNode): boolean {
    if (!/^[A-Za-z_][\w.]*$/.test(module) || module.includes('..')) return false; // cannot be imported
    const root = rootOf(module);
    const label = `${module}${name ? `.${name}` : ''}`;
    const layer = enclosingName(n);
    const at = { source: this.where, path: pathOf(n), module, name, layer };
    if (KERAS_ROOTS.has(root)) {
      // TorchModuleWrapper has its own rule, with the embedded blob analysed.
      if (name === 'TorchModuleWrapper') return false;
      const g = gadgetIn([...module.split('.'), ...name.split('.')]) ?? this.policyGadget(module, name);
      if (!g) return false;
      this.gadget(g, label, n, at);
      return true;
    }
    const bare = name.includes('>') ? name.slice(name.indexOf('>') + 1) : name;
    if (root === 'builtins' || root === '__builtin__' || root === '__builtins__') {
      if (KERAS_BUILTIN_FUNCTIONS.has(bare) && !PYTHON_BUILTINS.has(bare)) return false;
      if (name.includes('>')) {
        const pkg = packageOf(name) as string;
        if (KERAS_ROOTS.has(rootOf(pkg))) return false;
        this.custom(`registered custom function ${name}`, pkg, n, at);
        return true;
      }
      if (!PYTHON_BUILTINS.has(name.split('.')[0])) {
        // Keras <= 3.6 saved unregistered custom functions as builtins.<name>; loading needs custom_objects.
        this.custom(`custom function ${name} (saved without a package)`, name, n, at);
        return true;
      }
    }
    const v = this.ctx.policy.classify(module, name || 'function');
    if (v.class === 'allowed') return false;
    if (v.class === 'denied') {
      const refs: References = {};
      if (v.cve?.length) refs.cve = [...v.cve];
      if (v.ghsa?.length) refs.ghsa = [...v.ghsa];
      const how = isFunction
        ? 'Keras 3 imports it and calls it with arguments from the config'
        : 'Keras 3 imports the module and retrieves it';
      this.report(
        KERAS_UNSAFE_MODULE,
        {
          message: `${this.pre}${layer ? `layer "${clip(layer, 80)}" ` : ''}references ${clip(label, 160)}: ${v.reason}; ${how} (CVE-2025-1550)`,
          evidence: { ...at, reason: v.reason, matched: v.matched, function: isFunction },
          severity: maxSeverity(v.severity, 'high'),
          references: refs,
        },
        `${label}|${pathOf(n)}`,
      );
      return true;
    }
    this.custom(`${isFunction ? 'function' : 'class'} ${label}`, module, n, at);
    return true;
  }

  /** Keras-namespace names that the pickle denylist knows (keras.utils.get_file…). */
  private policyGadget(module: string, name: string): Gadget | undefined {
    if (!name) return undefined;
    const v = this.ctx.policy.classify(module, name);
    if (v.class !== 'denied' || v.matched === 'stdlib-default-deny' || v.matched === 'attribute-of-allowed')
      return undefined;
    return { kind: 'file', what: v.reason, cve: v.cve };
  }

  private gadget(g: Gadget, label: string, n: WalkNode, at: Record<string, unknown>): void {
    const layer = at.layer as string | undefined;
    const who = layer ? `layer "${clip(layer, 80)}" ` : '';
    const near = nearbyStrings(n);
    const urls = near.filter((s) => URL_RE.test(s.trim()));
    const evidence: Record<string, unknown> = { ...at, effect: g.what };
    if (urls.length) evidence.urls = urls.slice(0, 10).map((u) => clip(u));
    const refs: References = g.cve?.length ? { cve: [...g.cve] } : {};
    if (g.kind === 'safe-mode') {
      this.report(KERAS_SAFE_MODE_BYPASS, {
        message: `${this.pre}${who}references ${clip(label, 160)}, which ${g.what} (safe-mode bypass, CVE-2025-9906)`,
        evidence,
        references: refs,
      });
    } else if (g.kind === 'download') {
      this.report(KERAS_DOWNLOAD_GADGET, {
        message: `${this.pre}${who}references ${clip(label, 160)}, which ${g.what}${urls.length ? ` (${clip(urls[0], 120)})` : ''} (CVE-2025-8747)`,
        evidence,
        references: refs,
      });
    } else {
      const unsafe = nearbyUnsafeLoad(n);
      this.report(KERAS_FILE_GADGET, {
        message: `${this.pre}${who}references ${clip(label, 160)}, which ${g.what}${unsafe ? ' with safe_mode=False' : ''}`,
        evidence: unsafe ? { ...evidence, safeMode: false } : evidence,
        severity: g.kind === 'code' || unsafe ? 'critical' : undefined,
        references: refs,
      });
    }
  }

  private custom(what: string, pkg: string, n: WalkNode, evidence: Record<string, unknown>): void {
    const layer = enclosingName(n);
    this.report(
      KERAS_CUSTOM_OBJECT,
      {
        message: `${this.pre}${what} needs custom code from ${clip(pkg, 80)} to load`,
        evidence: { source: this.where, path: pathOf(n), layer, package: pkg, ...evidence },
      },
      what,
    );
  }

  // ---- strings -------------------------------------------------------------------------------------------------

  private visitString(s: string, n: WalkNode): void {
    if (this.handledStrings.has(s) || !looksLikeHiddenCode(s)) return;
    const d = decodeCodeString(s);
    if (d.code) this.reportCode(d, `${pathOf(n)}`, n, false);
  }

  private pathField(value: unknown, key: string, o: Json, n: WalkNode): void {
    if (typeof value !== 'string' || !value.trim()) return;
    const kind = classifyPath(value);
    const owner = typeof o.name === 'string' ? o.name : (enclosingName(n) ?? 'layer');
    const cls = enclosingClass(n) ?? 'layer';
    const severe = kind !== 'relative';
    this.report(KERAS_EXTERNAL_RESOURCE, {
      message: `${this.pre}${cls} "${clip(owner, 80)}" reads its ${key} from ${kind === 'url' ? 'the URL' : kind === 'relative' ? 'the relative path' : 'the path'} ${JSON.stringify(clip(value, 160))} when loaded${severe ? ' (CVE-2025-12058)' : ''}`,
      evidence: {
        source: this.where,
        path: `${pathOf(n)}.${key}`,
        field: key,
        value: clip(value, 500),
        kind,
        layer: owner,
      },
      ...(severe
        ? {}
        : { severity: 'medium' as Severity, impact: 'suspicious' as const, confidence: 'medium' as const }),
    });
  }

  /** A Lambda code slot: decode and report what it references. */
  private code(
    s: string,
    field: string,
    n: WalkNode,
    lambdaSlot: boolean,
    module?: string,
    strict = true,
  ): void {
    const d = decodeCodeString(s);
    if (!d.code && !strict && !d.limit) return;
    this.handledStrings.add(s);
    if (!d.code) {
      const layer = enclosingName(n) ?? 'Lambda';
      this.report(KERAS_CONFIG_UNANALYSED, {
        message: `${this.pre}Lambda "${clip(layer, 80)}" ${field} could not be decoded as Python bytecode: ${clip(d.error ?? 'unknown error')}`,
        evidence: { source: this.where, path: pathOf(n), field, layer, chars: s.length },
      });
      return;
    }
    this.reportCode(d, `${pathOf(n)} ${field}`, n, lambdaSlot, module);
  }

  private reportCode(d: DecodedCode, where: string, n: WalkNode, lambdaSlot: boolean, module?: string): void {
    const mc = d.code as MarshalCode;
    this.lambdas++;
    const sum = summarizeCode(mc);
    const layer = enclosingName(n) ?? 'Lambda';
    const dangerous = sum.dangerousNames.length > 0 || sum.dangerousStrings.length > 0;
    const h5 = this.opts.legacyH5;
    const when = h5
      ? 'it runs when the model is loaded, even with safe_mode=True (HDF5, CVE-2025-9905)'
      : 'it runs when the model is loaded with safe_mode=False or after a safe-mode bypass';
    const what = lambdaSlot
      ? `Lambda "${clip(layer, 80)}" carries Python bytecode`
      : `Python bytecode is hidden in ${clip(where, 120)}`;
    const evidence: Record<string, unknown> = {
      source: this.where,
      path: where,
      layer,
      pythonLayout: mc.layout,
      encoding: d.encoding,
      codeObjects: sum.codeObjects,
      functions: sum.functions.slice(0, 20).map((x) => clip(x, 80)),
      names: sum.names.slice(0, 100).map((x) => clip(x, 80)),
      strings: sum.strings.slice(0, 20).map((x) => clip(x)),
      sha256: createHash('sha256')
        .update(d.bytes as Uint8Array)
        .digest('hex'),
    };
    if (module) evidence.globalsModule = module;
    const refs: References = h5 ? { cve: ['CVE-2025-9905'] } : {};
    if (dangerous) {
      evidence.dangerousNames = sum.dangerousNames;
      evidence.dangerousStrings = sum.dangerousStrings.slice(0, 20).map((x) => clip(x));
      const refsList = [
        ...sum.dangerousNames,
        ...sum.dangerousStrings.map((x) => JSON.stringify(clip(x, 60))),
      ];
      this.report(KERAS_LAMBDA_DANGEROUS, {
        message: `${this.pre}${what} that references ${refsList.slice(0, 8).join(', ')}${refsList.length > 8 ? ', …' : ''}; ${when}`,
        evidence,
        references: refs,
      });
    } else {
      const shown = sum.names.length ? `names ${sum.names.slice(0, 8).join(', ')}` : 'no global names';
      this.report(KERAS_LAMBDA_CODE, {
        message: `${this.pre}${what} (${shown}); ${when}`,
        evidence,
        references: refs,
        ...(lambdaSlot ? {} : { severity: 'medium' as Severity }),
      });
    }
  }

  // ---- TorchModuleWrapper --------------------------------------------------------------------------------------

  private async scanWrapper(w: WrapperTask): Promise<void> {
    const evidence: Record<string, unknown> = { source: this.where, path: w.path, layer: w.layer };
    if (typeof w.blob !== 'string' || !w.blob) {
      this.ctx.report(KERAS_TORCH_WRAPPER, {
        message: `${this.pre}TorchModuleWrapper "${clip(w.layer, 80)}" has no embedded module; from_config calls torch.load(weights_only=False) on what it is given (CVE-2025-49655)`,
        evidence,
      });
      return;
    }
    const bytes = decodeBlob(w.blob);
    evidence.bytes = bytes.length;
    let outcome;
    try {
      outcome = await this.ctx.scanMember(`TorchModuleWrapper:${w.layer}`, new BufferSource(bytes));
    } catch (err) {
      if (err instanceof LimitError || !(err instanceof BulwarkError)) throw err;
      this.ctx.report(KERAS_CONFIG_UNANALYSED, {
        message: `${this.pre}TorchModuleWrapper "${clip(w.layer, 80)}" blob could not be analysed: ${err.message}`,
        evidence,
      });
      return;
    }
    evidence.formats = outcome.formats;
    evidence.verdict = outcome.verdict;
    this.ctx.report(KERAS_TORCH_WRAPPER, {
      message: `${this.pre}TorchModuleWrapper "${clip(w.layer, 80)}" embeds a ${bytes.length}-byte torch.save blob (${outcome.formats.join(', ') || 'unrecognised'}) that from_config passes to torch.load(weights_only=False) (CVE-2025-49655); its content is ${outcome.verdict}`,
      evidence,
    });
    if (outcome.skipped)
      this.ctx.report(KERAS_CONFIG_UNANALYSED, {
        message: `${this.pre}TorchModuleWrapper "${clip(w.layer, 80)}" blob is not a recognisable torch.save file (${outcome.skipped}); what torch.load would do with it is unknown`,
        evidence,
      });
  }
}

/**
 * tf.keras 2.11–2.15 registered its own optimizers under the default package "Custom" ("Custom>Adam" in every
 * HDF5 training_config it wrote): those are Keras classes, not custom code.
 */
function isKerasCustomAlias(registered: string): boolean {
  const i = registered.indexOf('>');
  return registered.slice(0, i) === 'Custom' && KERAS_OPTIMIZERS.has(registered.slice(i + 1));
}

function enclosingClass(n: WalkNode): string | undefined {
  for (let p: WalkNode | null = n; p; p = p.parent) {
    const v = p.value;
    if (isObj(v) && typeof v.class_name === 'string' && !v.class_name.startsWith('__')) return v.class_name;
  }
  return undefined;
}

/** A gadget among the dotted components of a reference. */
function gadgetIn(parts: string[]): Gadget | undefined {
  const last = parts[parts.length - 1];
  const g = KERAS_GADGETS.get(last);
  if (g) return g;
  // Keras and TensorFlow modules import os, shutil, urllib…: vars(module).get(name) hands out whatever they hold.
  if (DANGEROUS_CODE_NAMES.has(last))
    return {
      kind: 'code',
      what: `is the Python name ${last} (process, file, network or code access) reached through a Keras module`,
    };
  for (const p of parts) {
    const s = KERAS_GADGET_SEGMENTS.get(p);
    if (s) return s;
  }
  return undefined;
}

/** Strings in the referencing object and the two objects around it (arguments, inbound_nodes), bounded. */
function nearbyStrings(n: WalkNode, max = 20_000): string[] {
  const out: string[] = [];
  let scope: WalkNode = n;
  for (let i = 0; i < 3 && scope.parent; i++) scope = scope.parent;
  const stack: unknown[] = [scope.value];
  let visited = 0;
  while (stack.length && visited++ < max && out.length < 200) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObj(v)) for (const x of Object.values(v)) stack.push(x);
  }
  return out;
}

/** `safe_mode: false` among the arguments around a reference (a nested load_model(…, safe_mode=False)). */
function nearbyUnsafeLoad(n: WalkNode, max = 20_000): boolean {
  let scope: WalkNode = n;
  for (let i = 0; i < 3 && scope.parent; i++) scope = scope.parent;
  const stack: unknown[] = [scope.value];
  let visited = 0;
  while (stack.length && visited++ < max) {
    const v = stack.pop();
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (isObj(v)) {
      if (v.safe_mode === false) return true;
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return false;
}

/** TorchModuleWrapper blobs: base64 (Keras >= 3.11) or Latin-1 text of the raw bytes (earlier releases). */
function decodeBlob(s: string): Uint8Array {
  const ascii = !/[^\x00-\x7f]/.test(s);
  if (ascii) {
    const b = lenientBase64(s);
    if (b && b.length) return b;
  }
  return rawUnicodeEscape(s);
}

/** Analyses a Keras model config (config.json of .keras, model_config of .h5, keras_metadata.pb layers). */
export async function analyzeKerasConfig(
  doc: unknown,
  ctx: ScanContext,
  opts: KerasConfigOptions = { source: 'config' },
): Promise<void> {
  const walker = new KerasConfigWalker(ctx, opts);
  walker.run(doc);
  await walker.finish();
}

function looksKerasModule(m: unknown): boolean {
  return typeof m === 'string' && KERAS_ROOTS.has(rootOf(m.trim())) && rootOf(m.trim()) !== 'tf';
}

/** How sure we are that a parsed JSON document is a Keras config (see JsonAnalyzer.match). */
export function matchKerasConfig(doc: unknown): number {
  if (!isObj(doc)) return 0;
  const cn = doc.class_name;
  if (typeof cn === 'string' && 'config' in doc) {
    const cfg = doc.config;
    if (looksKerasModule(doc.module)) return 80;
    if ('registered_name' in doc || 'build_config' in doc || 'compile_config' in doc) return 80;
    if ('keras_version' in doc || 'backend' in doc) return 80;
    if (MODEL_CLASSES.has(cn) && isObj(cfg) && Array.isArray(cfg.layers)) return 80;
    if (MODEL_CLASSES.has(cn) && Array.isArray(cfg)) return 70;
    // A serialised object naming any module: Keras 3 imports it (a config.json whose root is the exploit).
    if (typeof doc.module === 'string') return 60;
    if (isObj(cfg) && Array.isArray(cfg.layers)) return 60;
    // Any serialised Keras object (a bare layer, a function reference): Keras deserialises it all the same.
    return 50;
  }
  if (typeof doc.keras_version === 'string' && 'date_saved' in doc) return 40;
  if (typeof doc.keras_version === 'string' && typeof doc.backend === 'string') return 40;
  return 0;
}

export const kerasConfigAnalyzer: JsonAnalyzer = {
  id: 'keras-config',
  match: (doc) => matchKerasConfig(doc),
  async analyze(doc, ctx, raw) {
    await analyzeKerasConfig(doc, ctx, { source: raw.name.split('/').pop() || 'config' });
  },
};
