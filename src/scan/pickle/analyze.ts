import type { Finding } from '../../core/finding.js';
import { LimitError } from '../../core/errors.js';
import type { Severity } from '../../core/severity.js';
import type { ByteSource } from '../source.js';
import type { ScanContext } from '../types.js';
import { normalizeModule } from './policy.js';
import {
  PKL_DANGEROUS_GLOBAL,
  PKL_DYNAMIC_CALL,
  PKL_FRAME_MISMATCH,
  PKL_GLOBAL_MUTATION,
  PKL_LIMIT,
  PKL_MALFORMED,
  PKL_NESTED,
  PKL_PROTO_ANOMALY,
  PKL_TRAILING,
  PKL_UNKNOWN_GLOBAL,
  PKL_UNRESOLVED_GLOBAL,
} from './rules.js';
import { type Box, type SymCall, type SymGlobal, isSym, render } from './values.js';
import { type AnomalyKind, type InlineData, PickleVM, type VmResult } from './vm.js';

/** Loader functions whose first argument, when it is embedded bytes, is itself a pickle. */
const NESTED_LOADERS = new Set([
  'pickle.loads',
  'pickle._loads',
  'pickle.load',
  'pickle._load',
  'pickle.Unpickler',
  'dill.loads',
  'dill._dill.loads',
  'cloudpickle.loads',
  'cloudpickle.cloudpickle.loads',
  'joblib.load',
  'joblib.numpy_pickle.load',
  'torch.load',
  'torch.serialization.load',
  'torch.storage._load_from_bytes',
  'numpy.loads',
  'pandas.read_pickle',
  'pandas.io.pickle.read_pickle',
]);

/** Allowlisted functions that call one of their arguments, and which argument (0-based). */
const CALL_THROUGH: Readonly<Record<string, number>> = {
  'torch._tensor._rebuild_from_type_v2': 0,
  'torch._utils._rebuild_from_type_v2': 0,
  'copyreg._reconstructor': 1,
  'copyreg.__newobj__': 0,
  'copyreg.__newobj_ex__': 0,
};

/** Lookup functions the VM resolves statically when they are applied to constants. */
const LOOKUPS = new Set([
  'builtins.getattr',
  'numpy.core._ufunc_reconstruct',
  'numpy._core._ufunc_reconstruct',
]);

const MUTATING_OPS = new Set(['BUILD', 'SETITEM', 'SETITEMS', 'APPEND', 'APPENDS', 'ADDITEMS']);
const CALLING_OPS = new Set(['REDUCE', 'INST', 'OBJ', 'NEWOBJ', 'NEWOBJ_EX']);

export interface PickleAnalysisOptions {
  /** Stop after this many pickles: the rest of the stream is not pickle data (legacy PyTorch). */
  maxPickles?: number;
  /** Nested-pickle depth of this stream (0 = top level). */
  nestedDepth?: number;
  /** Extra inner-path segments for findings (nested pickles). */
  inner?: string[];
  /** Absolute offset of the first byte (when analysing a window of a larger stream). */
  baseOffset?: number;
  /** Called with each pickle's top-level result (legacy PyTorch magic-number check). */
  onPickleEnd?: (index: number, offset: number, result: Box) => void;
  /** Receives the machine before any input (to adjust it from hooks). */
  onVm?: (vm: PickleVM) => void;
  /** Called for every imported global module (allowed ones too). */
  onGlobalSeen?: (module: string, name: string) => void;
  /** Report bytes after the last pickle as trailing data (default true). */
  reportTrailing?: boolean;
}

export interface PickleAnalysis {
  vm: VmResult;
  /** The analysis stopped early at a limit. */
  limited: boolean;
  globals: number;
  calls: number;
}

/** Analyses a pickle stream from a ByteSource. Findings go to ctx.report; returns what the VM saw. */
export async function analyzePickleSource(
  source: ByteSource,
  ctx: ScanContext,
  opts: PickleAnalysisOptions = {},
): Promise<PickleAnalysis> {
  const session = new PickleSession(ctx, opts);
  try {
    for await (const chunk of source.stream(0, source.size)) {
      ctx.checkDeadline();
      session.vm.feed(chunk);
      if (session.vm.finished) break;
    }
  } catch (err) {
    if (err instanceof LimitError) return session.finishLimited(err);
    throw err;
  }
  return session.finish(source.size);
}

/** Analyses an in-memory pickle synchronously (nested pickles). */
export function analyzePickleBytes(
  data: Uint8Array,
  ctx: ScanContext,
  opts: PickleAnalysisOptions = {},
): PickleAnalysis {
  const session = new PickleSession(ctx, opts);
  try {
    session.vm.feed(data);
  } catch (err) {
    if (err instanceof LimitError) return session.finishLimited(err);
    throw err;
  }
  return session.finish(data.length);
}

interface GlobalRecord {
  finding: Finding;
  calls: string[];
  count: number;
}

class PickleSession {
  readonly vm: PickleVM;
  private readonly globals = new Map<string, GlobalRecord>();
  private readonly once = new Set<string>();
  /** Lookup functions imported but not (yet) used in a way that needs reporting. */
  private readonly deferred = new Map<string, SymGlobal>();
  private nGlobals = 0;
  private nCalls = 0;
  private readonly inner: string[];
  private readonly depth: number;

  constructor(
    private readonly ctx: ScanContext,
    private readonly opts: PickleAnalysisOptions,
  ) {
    this.inner = opts.inner ?? [];
    this.depth = opts.nestedDepth ?? 0;
    this.vm = new PickleVM({
      limits: ctx.limits,
      policy: ctx.policy,
      maxPickles: opts.maxPickles,
      baseOffset: opts.baseOffset,
      hooks: {
        onGlobal: (g) => this.onGlobal(g),
        onCall: (c) => this.onCall(c),
        onAnomaly: (k, d, o) => this.onAnomaly(k, d, o),
        onPickleEnd: opts.onPickleEnd,
        afterBuild: (t, s, o) => this.afterBuild(t, s, o),
      },
    });
    opts.onVm?.(this.vm);
  }

  private report(
    rule: Parameters<ScanContext['report']>[0],
    init: Omit<Parameters<ScanContext['report']>[1], 'inner'>,
  ): Finding {
    return this.ctx.report(rule, { ...init, inner: this.inner.length ? this.inner : undefined });
  }

  private onGlobal(g: SymGlobal): void {
    this.nGlobals++;
    const v = g.verdict;
    this.opts.onGlobalSeen?.(v.module, v.name);
    if (v.class === 'allowed') return;
    const key = `${v.module}.${v.name}`;
    // Lookup functions are judged by their use: applied to constants they resolve statically (the VM then reports
    // the global they name); any other use reports them.
    if (LOOKUPS.has(key) && !this.globals.has(key)) {
      if (!this.deferred.has(key)) this.deferred.set(key, g);
      return;
    }
    this.reportGlobal(g);
  }

  private reportGlobal(g: SymGlobal): void {
    const v = g.verdict;
    const key = `${v.module}.${v.name}`;
    const rec = this.globals.get(key);
    if (rec) {
      rec.count++;
      rec.finding.evidence!.occurrences = rec.count;
      return;
    }
    const evidence: Record<string, unknown> = {
      global: key,
      module: g.module,
      name: g.name,
      opcode: g.via,
      reason: v.reason,
      occurrences: 1,
    };
    if (v.matched) evidence.matched = v.matched;
    if (g.module !== v.module) evidence.alias = `${g.module} → ${v.module}`;
    const rule = v.class === 'denied' ? PKL_DANGEROUS_GLOBAL : PKL_UNKNOWN_GLOBAL;
    const message =
      v.class === 'denied'
        ? `imports dangerous global ${key}: ${v.reason}`
        : `imports ${key}, which is not on the allowlist`;
    const f = this.report(rule, {
      message,
      offset: g.offset,
      severity: v.severity as Severity,
      evidence,
      references: { ghsa: v.ghsa ? [...v.ghsa] : undefined, cve: v.cve ? [...v.cve] : undefined },
    });
    this.globals.set(key, { finding: f, calls: [], count: 1 });
  }

  private onCall(c: SymCall): void {
    this.nCalls++;
    const callee = c.callee;
    // A deferred lookup function used any other way than on constants, or handed to another call as a value.
    for (const b of [callee, ...(Array.isArray(c.args) ? c.args : [c.args])]) {
      if (!isSym(b, 'global')) continue;
      const key = `${b.verdict.module}.${b.verdict.name}`;
      const g = this.deferred.get(key);
      if (g) {
        this.deferred.delete(key);
        this.reportGlobal(g);
      }
    }
    if (isSym(callee, 'global') && callee.verdict.notCallable && CALLING_OPS.has(c.op)) {
      this.report(PKL_DANGEROUS_GLOBAL, {
        message: `calls ${callee.verdict.module}.${callee.verdict.name}, a constant or enum member of an allowlisted class: ${render(c)}`,
        offset: c.offset,
        severity: 'high',
        evidence: {
          global: `${callee.verdict.module}.${callee.verdict.name}`,
          call: render(c),
          reason: 'constant called as a function',
        },
      });
      return;
    }
    if (isSym(callee, 'global')) {
      if (MUTATING_OPS.has(c.op)) {
        this.report(PKL_GLOBAL_MUTATION, {
          message: `${c.op} modifies the imported global ${callee.module}.${callee.name} itself`,
          offset: c.offset,
          evidence: {
            global: `${callee.verdict.module}.${callee.verdict.name}`,
            operation: c.op,
            value: render(c.args),
          },
        });
        return;
      }
      const rec = this.globals.get(`${callee.verdict.module}.${callee.verdict.name}`);
      if (rec && rec.calls.length < 3) {
        rec.calls.push(render(c));
        rec.finding.evidence!.calls = rec.calls;
      }
      const full = `${normalizeModule(callee.module)}.${callee.name}`;
      if (NESTED_LOADERS.has(full)) this.nested(c, full);
      this.callThrough(c, full);
      return;
    }
    if (CALLING_OPS.has(c.op)) {
      const key = `dynamic:${c.op}`;
      if (this.once.has(key)) return;
      this.once.add(key);
      this.report(PKL_DYNAMIC_CALL, {
        message: `${c.op} calls a computed value: ${render(c)}`,
        offset: c.offset,
        evidence: { call: render(c), operation: c.op },
      });
      return;
    }
    if (MUTATING_OPS.has(c.op) && isSym(callee, 'call')) {
      // Item setters / BUILD on an object created by a denied or unknown global are covered by that global's finding.
      return;
    }
  }

  /** Allowlisted functions that call one of their arguments: a computed value there is a hidden call. */
  private callThrough(c: SymCall, fn: string): void {
    const idx = CALL_THROUGH[fn];
    if (idx === undefined || !Array.isArray(c.args)) return;
    const arg = c.args[idx];
    if (arg === undefined || arg === null || (isSym(arg, 'global') && !arg.verdict.notCallable)) return;
    if (
      typeof arg !== 'object' ||
      Array.isArray(arg) ||
      arg.t === 'tag' ||
      arg.t === 'bytes' ||
      arg.t === 'dict' ||
      arg.t === 'list'
    )
      return;
    this.report(PKL_DYNAMIC_CALL, {
      message: `${fn} calls its argument ${idx + 1}, which is a computed value (${render(arg)}), not an imported global`,
      offset: c.offset,
      evidence: { call: render(c), operation: 'call-through' },
    });
  }

  private nested(c: SymCall, loader: string): void {
    const data = embeddedBytes(Array.isArray(c.args) ? c.args[0] : undefined);
    const segment = `<nested-pickle@${c.offset}>`;
    if (!data) {
      this.report(PKL_NESTED, {
        message: `calls ${loader} on data that is not embedded in the stream (not analysed)`,
        offset: c.offset,
        evidence: { loader, call: render(c) },
      });
      return;
    }
    if (this.depth >= this.ctx.limits.maxNestedPickleDepth) {
      this.report(PKL_LIMIT, {
        message: `nested pickle at depth ${this.depth + 1} not analysed (limit ${this.ctx.limits.maxNestedPickleDepth})`,
        offset: c.offset,
      });
      return;
    }
    const sub = analyzePickleBytes(data, this.ctx, {
      nestedDepth: this.depth + 1,
      inner: [...this.inner, segment],
      reportTrailing: true,
    });
    this.report(PKL_NESTED, {
      message: `calls ${loader} on ${data.length} embedded bytes; the nested pickle was analysed (${sub.globals} globals, ${sub.calls} calls)`,
      offset: c.offset,
      evidence: { loader, bytes: data.length, innerPath: segment },
    });
  }

  private onAnomaly(kind: AnomalyKind, detail: string, offset: number): void {
    switch (kind) {
      case 'frame-mismatch':
        this.report(PKL_FRAME_MISMATCH, { message: detail, offset });
        return;
      case 'duplicate-proto':
      case 'misplaced-proto':
        if (this.once.has('proto')) return;
        this.once.add('proto');
        this.report(PKL_PROTO_ANOMALY, { message: detail, offset });
        return;
      case 'unresolved-global':
      case 'ext-code':
        this.report(PKL_UNRESOLVED_GLOBAL, { message: detail, offset });
        return;
      case 'dynamic-call':
        return; // reported from onCall with the call itself
      case 'persid':
        return;
      default: {
        if (this.once.has(`anomaly:${kind}`)) return;
        this.once.add(`anomaly:${kind}`);
        this.report(PKL_MALFORMED, { message: detail, offset, evidence: { anomaly: kind } });
      }
    }
  }

  private afterBuild(target: Box, state: Box, offset: number): InlineData | undefined {
    if (isSym(target, 'call')) target.state = state;
    if (!isSym(target, 'call') || !isSym(target.callee, 'global')) return undefined;
    const g = target.callee;
    const name = `${g.verdict.module}.${g.verdict.name}`;
    if (!/(^|\.)joblib\.numpy_pickle\.NumpyArrayWrapper$/.test(name)) return undefined;
    if (!isSym(state, 'dict')) return undefined;
    const get = (k: string): Box | undefined => state.entries.find(([key]) => key === k)?.[1];
    // joblib reads the padding byte only when the alignment is a number (it writes None for unseekable streams).
    const alignBox = get('numpy_array_alignment_bytes');
    const align = typeof alignBox === 'number';
    const size = joblibArrayBytes(get('shape'), get('dtype'));
    if (size === 'object') return { type: 'pickle' };
    if (size === undefined) {
      this.report(PKL_MALFORMED, {
        message:
          'joblib array with a dtype or shape Bulwark cannot size; the rest of the stream was not analysed',
        offset,
        evidence: { anomaly: 'joblib-array-size' },
      });
      return { type: 'raw', bytes: Number.MAX_SAFE_INTEGER, alignmentPrefix: align };
    }
    return { type: 'raw', bytes: size, alignmentPrefix: align };
  }

  finishLimited(err: LimitError): PickleAnalysis {
    this.report(PKL_LIMIT, { message: err.message, evidence: { limit: err.limit } });
    const vm = this.vm.end();
    return { vm, limited: true, globals: this.nGlobals, calls: this.nCalls };
  }

  finish(size: number): PickleAnalysis {
    const vm = this.vm.end();
    if (vm.error) {
      this.report(PKL_MALFORMED, {
        message: `pickle stream breaks: ${vm.error.message}`,
        offset: vm.error.offset,
        evidence: { anomaly: 'parse-error', pickles: vm.pickles },
      });
    } else if (vm.trailing && this.opts.reportTrailing !== false) {
      const bytes =
        vm.trailing.bytes >= 0
          ? vm.trailing.bytes
          : size - (vm.trailing.offset - (this.opts.baseOffset ?? 0));
      this.report(PKL_TRAILING, {
        message: `${bytes} bytes after the last pickle are not pickle data`,
        offset: vm.trailing.offset,
        evidence: { bytes },
      });
    } else if (vm.pickles === 0 && !vm.stoppedAtMaxPickles) {
      this.report(PKL_MALFORMED, {
        message: 'no complete pickle in the stream',
        evidence: { anomaly: 'empty' },
      });
    }
    return { vm, limited: false, globals: this.nGlobals, calls: this.nCalls };
  }
}

/** Bytes a loader would read: embedded bytes, io.BytesIO(bytes), _codecs.encode(str, 'latin1'). */
function embeddedBytes(arg: Box | undefined): Uint8Array | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'object' && !Array.isArray(arg) && arg.t === 'bytes')
    return arg.complete ? arg.data : undefined;
  if (typeof arg === 'string') return Buffer.from(arg, 'latin1');
  if (isSym(arg, 'call') && isSym(arg.callee, 'global') && Array.isArray(arg.args)) {
    const fn = `${arg.callee.verdict.module}.${arg.callee.name}`;
    if (
      fn === 'io.BytesIO' ||
      fn === '_codecs.encode' ||
      fn === 'codecs.encode' ||
      fn === 'builtins.bytes' ||
      fn === 'builtins.bytearray'
    )
      return embeddedBytes(arg.args[0]);
  }
  return undefined;
}

const DTYPE_SIZES: Record<string, number> = {
  b: 1,
  '?': 1,
  B: 1,
  h: 2,
  H: 2,
  e: 2,
  i: 4,
  I: 4,
  l: 8,
  L: 8,
  q: 8,
  Q: 8,
  f: 4,
  d: 8,
  g: 16,
  F: 8,
  D: 16,
  G: 32,
};

/** Bytes of a joblib NumpyArrayWrapper payload, 'object' when it is pickled inline, undefined when unknown. */
export function joblibArrayBytes(
  shape: Box | undefined,
  dtypeBox: Box | undefined,
): number | 'object' | undefined {
  let count = 1;
  if (Array.isArray(shape)) {
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return undefined;
      count *= d;
    }
  } else if (typeof shape === 'number') count = shape;
  else return undefined;
  if (dtypeBox === undefined || !isSym(dtypeBox, 'call')) return undefined;
  const dtype: SymCall = dtypeBox;
  if (!Array.isArray(dtype.args) || typeof dtype.args[0] !== 'string') return undefined;
  const item = dtypeItemSize(dtype.args[0].trim(), dtype.state);
  return item === 'object' || item === undefined ? item : count * item;
}

const NAMED_DTYPES: Record<string, number | 'object'> = {
  object: 'object',
  object_: 'object',
  bool: 1,
  bool_: 1,
  byte: 1,
  ubyte: 1,
  short: 2,
  ushort: 2,
  intc: 4,
  uintc: 4,
  int_: 8,
  uint: 8,
  longlong: 8,
  ulonglong: 8,
  half: 2,
  single: 4,
  double: 8,
  longdouble: 16,
  csingle: 8,
  cdouble: 16,
  clongdouble: 32,
  float: 8,
  int: 8,
  complex: 16,
};

/**
 * Item size of a NumPy dtype descriptor as numpy.dtype() reads it: type codes ('f8', '<i4', 'O'), names with bit
 * widths ('int8', 'float32', 'complex128'), named types ('object', 'double'). 'object' when the array holds Python
 * objects (pickled inline); undefined when unknown or structured (fields may hold objects: fail closed).
 */
function dtypeItemSize(descr: string, state: Box | undefined): number | 'object' | undefined {
  const d = descr.replace(/^[<>|=!]/, '');
  if (d in NAMED_DTYPES) return NAMED_DTYPES[d];
  const named = /^(u?int|float|complex|bool|str|bytes|datetime64|timedelta64)(\d+)(\[\w+\])?$/.exec(d);
  if (named) {
    const bits = Number(named[2]);
    return named[1] === 'str' ? bits * 4 : named[1] === 'bytes' ? bits : bits / 8;
  }
  const m = /^([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(d);
  if (!m) return undefined;
  const [, t, digits] = m;
  if (t === 'O') return 'object';
  // Structured dtypes: numpy's dtype state is (version, endian, subdescr, names, fields, elsize, ...); a field of
  // object dtype makes joblib pickle the array inline.
  const fields = Array.isArray(state) ? state[4] : undefined;
  if (t === 'V' && fields !== null && fields !== undefined) {
    if (!isSym(fields, 'dict') || fields.truncated) return undefined;
    for (const [, v] of fields.entries) {
      const fd = Array.isArray(v) ? v[0] : undefined;
      if (!fd || !isSym(fd, 'call') || !Array.isArray(fd.args) || typeof fd.args[0] !== 'string')
        return undefined;
      const sub = dtypeItemSize(fd.args[0].trim(), fd.state);
      if (sub === 'object' || sub === undefined) return sub;
    }
  }
  if (digits) {
    const n = Number(digits);
    return t === 'U' ? n * 4 : n;
  }
  if (t in DTYPE_SIZES) return DTYPE_SIZES[t];
  if (Array.isArray(state) && typeof state[5] === 'number' && state[5] > 0) return state[5];
  return undefined;
}
